//go:build !nos3

package blobstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// fakeS3 serves an in-process S3 with the bucket "bkt" and returns the query that points
// s3:// URLs at it.
func fakeS3(t *testing.T) (query string, backend *s3mem.Backend) {
	t.Helper()
	backend = s3mem.New()
	srv := httptest.NewServer(checkSigning(t, gofakes3.New(backend).Server()))
	t.Cleanup(srv.Close)
	if err := backend.CreateBucket("bkt"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	return "?endpoint=" + srv.URL + "&use_path_style=true&disable_https=true&region=us-east-1", backend
}

// checkSigning checks what gofakes3 does not: every request is signed (SigV4) with the
// credentials of the environment and the URL's region, and a body over plain HTTP is signed by
// its SHA-256.
func checkSigning(t *testing.T, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=test/") || !strings.Contains(auth, "/us-east-1/s3/aws4_request") {
			t.Errorf("%s %s: Authorization %q", r.Method, r.URL, auth)
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		sum := sha256.Sum256(body)
		if got := r.Header.Get("X-Amz-Content-Sha256"); r.Method == http.MethodPut && got != hex.EncodeToString(sum[:]) {
			t.Errorf("%s %s: X-Amz-Content-Sha256 %q for a body of %d bytes", r.Method, r.URL, got, len(body))
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

func openFake(t *testing.T, dir string) (*Dir, *s3Store) {
	t.Helper()
	d, err := OpenDir(context.Background(), dir, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, d.s.(*s3Store)
}

func TestS3Driver(t *testing.T) {
	q, _ := fakeS3(t)
	d, _ := openFake(t, "s3://bkt/runs/x.csv"+q)
	checkAtomicWrites(t, d)
	if got := d.Join("part-00000-of-00001.csv"); got != "s3://bkt/runs/x.csv/part-00000-of-00001.csv" {
		t.Errorf("Join: %s", got)
	}
}

// incompleteUploads lists the bucket's multipart uploads that were neither completed nor
// aborted.
func incompleteUploads(t *testing.T, s *s3Store) []minio.ObjectMultipartInfo {
	t.Helper()
	r, err := minio.Core{Client: s.c}.ListMultipartUploads(context.Background(), s.bucket, "", "", "", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return r.Uploads
}

// A write larger than a part goes up as a multipart upload; when fill fails after parts were
// sent, or its context is cancelled, no object appears and the upload is aborted.
func TestS3MultipartWrite(t *testing.T) {
	q, _ := fakeS3(t)
	d, s := openFake(t, "s3://bkt/runs"+q)
	s.partSize = 5 << 20 // S3's smallest part
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), (2*s.partSize+12345)/16) // 3 parts
	if err := d.Write(ctx, "big.csv", func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		t.Fatal(err)
	}
	got, err := d.ReadAll(ctx, "big.csv", 1<<30)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes of %d: %v", len(got), len(data), err)
	}

	err = d.Write(ctx, "failed.csv", func(w io.Writer) error {
		if _, err := w.Write(data[:s.partSize+1]); err != nil { // one part uploaded
			return err
		}
		if len(incompleteUploads(t, s)) != 1 {
			t.Error("no multipart upload in progress: the test does not test an abort")
		}
		return errFill
	})
	if !errors.Is(err, errFill) {
		t.Fatalf("failed write: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	err = d.Write(cctx, "cancelled.csv", func(w io.Writer) error {
		w.Write(data[:s.partSize+1])
		cancel()
		return cctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled write: %v", err)
	}
	if objs, err := d.List(ctx); err != nil || len(objs) != 1 || objs[0].Name != "big.csv" || objs[0].Size != int64(len(data)) {
		t.Errorf("after failed writes: %v %v (want big.csv alone)", objs, err)
	}
	if ups := incompleteUploads(t, s); len(ups) != 0 {
		t.Errorf("multipart uploads left behind: %+v", ups)
	}
	for _, name := range []string{"failed.csv", "cancelled.csv"} {
		if _, err := d.ReadAll(ctx, name, 1<<30); !errors.Is(err, ErrNotExist) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A write the store refuses (no such bucket) fails, fill's Writes fail rather than block,
// and nothing is left.
func TestS3WriteToMissingBucket(t *testing.T) {
	q, _ := fakeS3(t)
	d, s := openFake(t, "s3://nobucket/x"+q)
	s.partSize = 5 << 20
	var writeErr error
	err := d.Write(context.Background(), "a.csv", func(w io.Writer) error {
		for range 3 {
			if _, writeErr = w.Write(make([]byte, s.partSize)); writeErr != nil {
				return writeErr
			}
		}
		return nil
	})
	if err == nil || writeErr == nil || !strings.Contains(err.Error(), "s3://nobucket/x/a.csv") || !strings.Contains(err.Error(), "bucket does not exist") {
		t.Fatalf("write to a missing bucket: %v (fill's write: %v)", err, writeErr)
	}
	t.Log(err)
	if _, err := d.List(context.Background()); err == nil {
		t.Error("listing a missing bucket succeeded")
	} else {
		t.Log(err)
	}
	err = d.Write(context.Background(), "small.csv", func(w io.Writer) error { _, err := w.Write([]byte("x")); return err })
	if err == nil || !strings.Contains(err.Error(), "cannot write s3://nobucket/x/small.csv") {
		t.Errorf("a small write to a missing bucket: %v", err)
	}
	t.Log(err)
}

// A listing holds the objects directly under the prefix: not deeper ones, not neighbours
// whose names merely start with the prefix.
func TestS3ListDirectlyInDir(t *testing.T) {
	q, backend := fakeS3(t)
	for _, k := range []string{"runs/a.csv", "runs/b.csv", "runs/sub/c.csv", "runsX/d.csv", "e.csv"} {
		if _, err := backend.PutObject("bkt", k, nil, strings.NewReader(k), int64(len(k)), nil); err != nil {
			t.Fatal(err)
		}
	}
	for dir, want := range map[string]string{"s3://bkt/runs": "a.csv b.csv", "s3://bkt": "e.csv", "s3://bkt/runs/sub/": "c.csv", "s3://bkt/none": ""} {
		d, _ := openFake(t, dir+q)
		objs, err := d.List(context.Background())
		var names []string
		for _, o := range objs {
			names = append(names, o.Name)
		}
		if err != nil || strings.Join(names, " ") != want {
			t.Errorf("List(%s) = %v, %v; want %s", dir, names, err, want)
		}
	}
}

// Bad s3:// URLs are refused when opened, naming the parameter and its value.
func TestS3BadURLs(t *testing.T) {
	for query, want := range map[string]string{
		"use_path_style=yes":                           `use_path_style="yes"`,
		"disable_https=2":                              `disable_https="2"`,
		"endpoint=ftp://h:21":                          `endpoint="ftp://h:21"`,
		"endpoint=http://h:9000/base":                  `endpoint="http://h:9000/base"`,
		"endpoint=http://h:99999":                      "port",
		"endpoint=https://h&disable_https=true":        "disable_https=true",
		"ssetype=DES":                                  `ssetype="DES"`,
		"ssetype=AES256&kmskeyid=k":                    `kmskeyid="k"`,
		"role=arn:aws:iam::1:role/r":                   "role=",
		"colour=blue":                                  `"colour"`,
		"region=a&region=b":                            "region is given 2 times",
		"anonymous=maybe":                              `anonymous="maybe"`,
		"endpoint=":                                    "",
		"endpoint=http://:9000":                        "no host",
		"web_identity_token_file=/var/run/secrets/tok": "AWS_WEB_IDENTITY_TOKEN_FILE",
	} {
		_, err := OpenDir(context.Background(), "s3://bkt/x?"+query, true)
		if want == "" {
			if err != nil {
				t.Errorf("%s: %v", query, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v (want an error naming %s)", query, err, want)
		}
	}
	if _, err := OpenDir(context.Background(), "s3://b/x", true); err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Errorf("a one-letter bucket: %v", err)
	}
}

// The endpoint forms and flags gocloud's s3blob accepted map to the same client settings.
func TestS3Query(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "eu-central-1")
	for query, want := range map[string]s3Options{
		"":                                      {host: "s3.amazonaws.com", secure: true, region: "eu-central-1", lookup: minio.BucketLookupAuto},
		"region=eu-west-1&use_path_style=false": {host: "s3.amazonaws.com", secure: true, region: "eu-west-1", lookup: minio.BucketLookupDNS},
		"endpoint=http://minio:9000&use_path_style=true&disable_https=true": {host: "minio:9000", region: "eu-central-1", lookup: minio.BucketLookupPath},
		"endpoint=minio:9000&disable_https=true&s3ForcePathStyle=true":      {host: "minio:9000", region: "eu-central-1", lookup: minio.BucketLookupPath},
		"endpoint=https://x.r2.cloudflarestorage.com&region=auto":           {host: "x.r2.cloudflarestorage.com", secure: true, region: "auto", lookup: minio.BucketLookupAuto},
		"profile=ci&anonymous=false&awssdk=v2&accelerate=true":              {host: "s3.amazonaws.com", secure: true, region: "eu-central-1", lookup: minio.BucketLookupAuto, profile: "ci", accelerate: true},
		"dualstack=true": {host: "s3.amazonaws.com", secure: true, region: "eu-central-1", lookup: minio.BucketLookupAuto, dualstack: true},
	} {
		q, _ := url.ParseQuery(query)
		got, err := parseS3Query(q)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", query, got, err, want)
		}
	}
	config := filepath.Join(t.TempDir(), "config")
	os.WriteFile(config, []byte("[default]\nregion = us-west-2\n[profile ci]\nregion = ap-south-1\n"), 0o600)
	t.Setenv("AWS_CONFIG_FILE", config)
	t.Setenv("AWS_DEFAULT_REGION", "")
	for query, want := range map[string]string{"": "us-west-2", "profile=ci": "ap-south-1", "profile=ci&region=eu-north-1": "eu-north-1"} {
		q, _ := url.ParseQuery(query)
		if o, err := parseS3Query(q); err != nil || o.region != want {
			t.Errorf("%q with a shared config file: region %q, %v; want %s", query, o.region, err, want)
		}
	}
	t.Setenv("AWS_PROFILE", "ci")
	if o, _ := parseS3Query(url.Values{}); o.region != "ap-south-1" {
		t.Errorf("AWS_PROFILE=ci: region %q", o.region)
	}

	q, _ := url.ParseQuery("ssetype=aws:kms&kmskeyid=alias/mfn")
	if o, err := parseS3Query(q); err != nil || o.sse == nil || o.sse.Type() != "KMS" {
		t.Errorf("ssetype=aws:kms: %+v %v", o, err)
	}
}

// The credential chain: the AWS variables first, then the shared file's profile (AWS_PROFILE
// or default); profile= in the URL puts its profile first; anonymous=true signs nothing.
func TestS3Credentials(t *testing.T) {
	file := filepath.Join(t.TempDir(), "credentials")
	os.WriteFile(file, []byte("[default]\naws_access_key_id = DEF\naws_secret_access_key = s1\n[ci]\naws_access_key_id = CI\naws_secret_access_key = s2\n"), 0o600)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", file)
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", "ENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s0")
	t.Setenv("AWS_SESSION_TOKEN", "tok")
	key := func(o s3Options) (string, credentials.SignatureType) {
		v, err := awsCredentials(o).GetWithContext(&credentials.CredContext{})
		if err != nil {
			t.Fatal(err)
		}
		return v.AccessKeyID, v.SignerType
	}
	if k, _ := key(s3Options{}); k != "ENV" {
		t.Errorf("with AWS_ACCESS_KEY_ID set: %s", k)
	}
	if k, _ := key(s3Options{profile: "ci"}); k != "CI" {
		t.Errorf("profile=ci: %s", k)
	}
	if _, sig := key(s3Options{anonymous: true}); sig != credentials.SignatureAnonymous {
		t.Errorf("anonymous=true signs with %v", sig)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	if k, _ := key(s3Options{}); k != "DEF" {
		t.Errorf("from the shared file: %s", k)
	}
	t.Setenv("AWS_PROFILE", "ci")
	if k, _ := key(s3Options{}); k != "CI" {
		t.Errorf("AWS_PROFILE=ci: %s", k)
	}
}

// The query decoder never panics and refuses what it does not accept with the parameter named.
func FuzzS3Query(f *testing.F) {
	for _, s := range []string{"", "endpoint=http://minio:9000&use_path_style=true&disable_https=true",
		"region=eu-west-1", "endpoint=%zz", "ssetype=aws:kms&kmskeyid=k", "endpoint=[::1]:9000", "x=1&x=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		o, err := parseS3Query(q)
		if err != nil {
			named := false
			for k := range q {
				named = named || strings.Contains(err.Error(), k) || strings.Contains(err.Error(), strconv.Quote(k))
			}
			if !named {
				t.Errorf("%q: %v names no parameter", raw, err)
			}
			return
		}
		if o.host == "" {
			t.Errorf("%q: no endpoint host", raw)
		}
	})
}

// An Access Denied without any credentials found says so (minio-go's chain falls back to
// unsigned requests silently); with credentials it is left as the store said it.
func TestS3AccessDeniedWithoutCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
	}))
	defer srv.Close()
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, keys := range []string{"", "test"} {
		t.Setenv("AWS_ACCESS_KEY_ID", keys)
		t.Setenv("AWS_SECRET_ACCESS_KEY", keys)
		d, _ := openFake(t, "s3://bkt/x?region=us-east-1&endpoint="+srv.URL)
		_, err := d.ReadAll(context.Background(), "a.csv", 10)
		hint := err != nil && strings.Contains(err.Error(), "no S3 credentials were found")
		if err == nil || !strings.Contains(err.Error(), "Access Denied") || hint != (keys == "") {
			t.Errorf("keys %q: %v", keys, err)
		}
	}
}

// A listing past the bound is refused, not truncated, in a bucket as in a local directory.
func TestListOverflow(t *testing.T) {
	defer func(n int) { maxList = n }(maxList)
	maxList = 3
	q, _ := fakeS3(t)
	for _, dir := range []string{"s3://bkt/many" + q, t.TempDir()} {
		d, _ := OpenDir(context.Background(), dir, true)
		for i := range 4 {
			if err := d.Write(context.Background(), strconv.Itoa(i)+".csv", func(io.Writer) error { return nil }); err != nil {
				t.Fatal(err)
			}
			objs, err := d.List(context.Background())
			if i < 3 && (err != nil || len(objs) != i+1) || i == 3 && (err == nil || !strings.Contains(err.Error(), "more than 3 objects")) {
				t.Errorf("%s with %d objects: %d listed, %v", dir, i+1, len(objs), err)
			}
		}
		for i := 4; i < 10; i++ {
			d.Write(context.Background(), strconv.Itoa(i)+".csv", func(io.Writer) error { return nil })
		}
		// The S3 store stops reading at the first object past the bound (a local directory
		// at the end of its 1024-entry chunk).
		if _, local := d.s.(localDir); local {
			d.Close()
			continue
		}
		if objs, err := d.s.list(context.Background()); err != nil || len(objs) != 4 {
			t.Errorf("%s: the store read %d objects past a bound of 3: %v", dir, len(objs), err)
		}
		d.Close()
	}
}
