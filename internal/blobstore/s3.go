//go:build !nos3

package blobstore

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// s3PartSize is the size of a multipart upload's parts: an object smaller than this is one
// PUT; a larger one is at most s3MaxParts parts (156 GiB). It is also each write's buffer.
const (
	s3PartSize = 16 << 20
	s3MaxParts = 10000
)

// s3Store is a bucket (or a prefix of one) in S3 or an S3-compatible store, through
// github.com/minio/minio-go/v7 (ADR 0031: the AWS SDK through gocloud.dev was 14 MB of the
// binary, minio-go 2 MB).
type s3Store struct {
	c        *minio.Client
	bucket   string
	prefix   string // "" or "dir/"
	opts     s3Options
	partSize int // s3PartSize; smaller in tests
}

// openS3 opens s3://BUCKET/PREFIX?QUERY. It makes no request: a missing bucket or wrong
// credentials show at the first read or write.
func openS3(bucket, rawQuery, prefix string) (store, error) {
	if err := s3utils.CheckValidBucketName(bucket); err != nil {
		return nil, fmt.Errorf("bucket name %q: %v", bucket, err)
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("query %q: %v", rawQuery, err)
	}
	o, err := parseS3Query(q)
	if err != nil {
		return nil, err
	}
	c, err := minio.New(o.host, &minio.Options{Creds: awsCredentials(o), Secure: o.secure, Region: o.region, BucketLookup: o.lookup})
	if err != nil {
		return nil, fmt.Errorf("endpoint %q: %v", o.host, err)
	}
	if o.accelerate {
		c.SetS3TransferAccelerate("s3-accelerate.amazonaws.com")
	}
	// AWS endpoints only: the dual-stack host names (minio-go's default) only when asked for,
	// as with the AWS SDK, so that a network or proxy that allows the usual S3 names still does.
	c.SetS3EnableDualstack(o.dualstack)
	if prefix != "" {
		prefix += "/"
	}
	return &s3Store{c: c, bucket: bucket, prefix: prefix, opts: o, partSize: s3PartSize}, nil
}

func (s *s3Store) key(name string) (string, error) {
	if name == "" || strings.Contains(name, "/") || name == "." || name == ".." {
		return "", fmt.Errorf("%q is not an object name", name)
	}
	return s.prefix + name, nil
}

// write buffers what fill writes and uploads it: one PUT if it stays under a part, else a
// multipart upload that is completed only after fill succeeds. Either way the object appears
// only when whole. On any failure the multipart upload is aborted, even when ctx is what was
// cancelled, so that no incomplete upload (which S3 bills and keeps) is left behind.
func (s *s3Store) write(ctx context.Context, name string, fill func(w io.Writer) error) (err error) {
	key, err := s.key(name)
	if err != nil {
		return err
	}
	u := &s3Upload{s: s, ctx: ctx, key: key}
	defer func() {
		err = s.explain(err)
		if err != nil && u.id != "" {
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if aerr := (minio.Core{Client: s.c}).AbortMultipartUpload(actx, s.bucket, key, u.id); aerr != nil {
				err = fmt.Errorf("%w (and aborting upload %s of %s failed, it stays until a lifecycle rule removes it: %v)", err, u.id, key, aerr)
			}
		}
	}()
	if err := fill(u); err != nil {
		return err
	}
	if u.err != nil { // fill ignored a failed Write
		return u.err
	}
	if u.id == "" {
		_, err = minio.Core{Client: s.c}.PutObject(ctx, s.bucket, key, bytes.NewReader(u.buf.Bytes()), int64(u.buf.Len()),
			contentMD5(u.buf.Bytes()), s.payloadHash(u.buf.Bytes()), minio.PutObjectOptions{ServerSideEncryption: s.opts.sse, DisableContentSha256: true})
		return err
	}
	if u.buf.Len() > 0 {
		if err := u.flush(); err != nil {
			return err
		}
	}
	_, err = minio.Core{Client: s.c}.CompleteMultipartUpload(ctx, s.bucket, key, u.id, u.parts, minio.PutObjectOptions{})
	return err
}

// s3Upload is the writer fill gets: it uploads a part each time its buffer fills.
type s3Upload struct {
	s     *s3Store
	ctx   context.Context
	key   string
	buf   bytes.Buffer
	id    string // the multipart upload, once started
	parts []minio.CompletePart
	err   error // the first failed upload: every later Write fails with it
}

func (u *s3Upload) Write(p []byte) (int, error) {
	if u.err != nil {
		return 0, u.err
	}
	n := 0
	for len(p) > 0 {
		k := min(u.s.partSize-u.buf.Len(), len(p))
		u.buf.Write(p[:k])
		p, n = p[k:], n+k
		if u.buf.Len() == u.s.partSize {
			if err := u.flush(); err != nil {
				// fill gets this error, and Dir.Write passes on fill's errors as they are.
				u.err = fmt.Errorf("cannot write s3://%s/%s: %w", u.s.bucket, u.key, err)
				return n, u.err
			}
		}
	}
	return n, nil
}

// flush uploads the buffer as the next part, starting the multipart upload if need be.
func (u *s3Upload) flush() error {
	core := minio.Core{Client: u.s.c}
	if len(u.parts) == s3MaxParts {
		return fmt.Errorf("%s: larger than S3's %d parts of %d bytes", u.key, s3MaxParts, u.s.partSize)
	}
	if u.id == "" {
		id, err := core.NewMultipartUpload(u.ctx, u.s.bucket, u.key, minio.PutObjectOptions{ServerSideEncryption: u.s.opts.sse})
		if err != nil {
			return err
		}
		u.id = id
	}
	n := len(u.parts) + 1
	p, err := core.PutObjectPart(u.ctx, u.s.bucket, u.key, u.id, n, bytes.NewReader(u.buf.Bytes()), int64(u.buf.Len()),
		minio.PutObjectPartOptions{SSE: u.s.opts.sse, Md5Base64: contentMD5(u.buf.Bytes()), Sha256Hex: u.s.payloadHash(u.buf.Bytes()), DisableContentSha256: true})
	if err != nil {
		return fmt.Errorf("part %d: %w", n, err)
	}
	u.parts = append(u.parts, minio.CompletePart{PartNumber: n, ETag: p.ETag, ChecksumCRC32: p.ChecksumCRC32,
		ChecksumCRC32C: p.ChecksumCRC32C, ChecksumSHA1: p.ChecksumSHA1, ChecksumSHA256: p.ChecksumSHA256})
	u.buf.Reset()
	return nil
}

// payloadHash is the SHA-256 a request signs. Over plain HTTP it signs the payload, as
// minio-go's default chunked streaming signature would, but in the plain form that every
// S3-compatible store accepts (gofakes3, for one, stores the chunk framing of an uploaded
// part as data); over HTTPS it is empty: TLS protects the body and the payload goes unsigned.
func (s *s3Store) payloadHash(b []byte) string {
	if s.opts.secure {
		return ""
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// contentMD5 is the Content-MD5 of a PUT: the store checks what it received against it (and
// buckets with Object Lock refuse a PUT without it).
func contentMD5(b []byte) string {
	h := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(h[:])
}

func (s *s3Store) open(ctx context.Context, name string) (io.ReadCloser, int64, error) {
	key, err := s.key(name)
	if err != nil {
		return nil, 0, err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, err
	}
	st, err := obj.Stat() // sends the GET
	if err != nil {
		obj.Close()
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, 0, ErrNotExist
		}
		return nil, 0, s.explain(err)
	}
	return obj, st.Size, nil
}

func (s *s3Store) delete(ctx context.Context, name string) error {
	key, err := s.key(name)
	if err != nil {
		return err
	}
	err = s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && minio.ToErrorResponse(err).Code != minio.NoSuchKey {
		return s.explain(err)
	}
	return nil
}

func (s *s3Store) list(ctx context.Context) ([]Object, error) {
	ctx, cancel := context.WithCancel(ctx) // stops minio-go's listing when we stop early
	defer cancel()
	var out []Object
	// Not recursive: delimiter "/", subdirectories come back as keys ending in "/".
	for o := range s.c.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix}) {
		if o.Err != nil {
			return nil, s.explain(o.Err)
		}
		name := strings.TrimPrefix(o.Key, s.prefix)
		if name == "" || strings.Contains(name, "/") {
			continue
		}
		if len(out) > maxList {
			return out, nil // List reports the overflow
		}
		out = append(out, Object{Name: name, Size: o.Size, ModTime: o.LastModified})
	}
	return out, nil
}

func (s *s3Store) close() error { return nil }

// explain adds to an Access Denied that no credentials were found: minio-go's chain then
// sends unsigned requests instead of saying so.
func (s *s3Store) explain(err error) error {
	var e minio.ErrorResponse
	if !errors.As(err, &e) || e.Code != "AccessDenied" || s.opts.anonymous {
		return err
	}
	if v, cerr := s.c.GetCreds(); cerr != nil || !v.SignerType.IsAnonymous() {
		return err
	}
	return fmt.Errorf("%w (no S3 credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile in ~/.aws, or an IAM role; docs/datasets.md lists the chain)", err)
}
