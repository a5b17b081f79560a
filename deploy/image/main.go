// Command image writes the mfn service image, multi-arch (linux/amd64, linux/arm64), as an OCI
// image layout, without a container daemon (go-containerregistry). Each image is one layer on
// an empty base ("from scratch"): the static binary at /usr/local/bin/mfn, /etc/passwd and
// /etc/group naming the nonroot user 65532, and the CA certificates for outbound TLS (OTLP,
// object storage, Kafka, webhooks). No shell, no package manager. The configuration matches
// deploy/Dockerfile, the Helm chart and the kustomize manifests: user 65532:65532, entrypoint
// the binary, command `serve --addr :8000`, MFN_ENV=prod, port 8000.
//
//	scripts/build.sh lean dist/mfn-linux-amd64 …   (or deploy/build-binaries.sh dist)
//	go run ./deploy/image --amd64 dist/mfn-linux-amd64 --arm64 dist/mfn-linux-arm64 --out dist/mfn-image
//	go run github.com/google/go-containerregistry/cmd/crane@v0.22.1 push --index dist/mfn-image REGISTRY/mfn:4.1.0-go
//
// The layout is reproducible: file times are SOURCE_DATE_EPOCH (default 0) and nothing else
// varies, so the same binaries give the same digests.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's fixed facts; deploy/image/image_test.go checks them against the manifests.
const (
	BinaryPath = "/usr/local/bin/mfn"
	User       = "65532:65532"
	Port       = "8000/tcp"
)

// Cmd is the default command after the entrypoint (the manifests override it with args).
var Cmd = []string{"serve", "--addr", ":8000"}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	amd64 := fs.String("amd64", "", "the static linux/amd64 mfn binary")
	arm64 := fs.String("arm64", "", "the static linux/arm64 mfn binary")
	out := fs.String("out", "", "directory to write the OCI image layout to (must not exist)")
	ref := fs.String("tag", "mycelium-fractal-net:4.1.0-go", "the org.opencontainers.image.ref.name of the index")
	certs := fs.String("ca-certs", "/etc/ssl/certs/ca-certificates.crt", "CA bundle to install as /etc/ssl/certs/ca-certificates.crt (\"\" for none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *amd64 == "" || *arm64 == "" || *out == "" {
		return errors.New("--amd64, --arm64 and --out are required")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("--out=%s: already exists (remove it first)", *out)
	}
	epoch, err := sourceDateEpoch()
	if err != nil {
		return err
	}
	var ca []byte
	if *certs != "" {
		if ca, err = os.ReadFile(*certs); err != nil {
			return fmt.Errorf("--ca-certs: %w", err)
		}
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range []struct{ arch, bin string }{{"amd64", *amd64}, {"arm64", *arm64}} {
		bin, err := os.ReadFile(p.bin)
		if err != nil {
			return err
		}
		img, err := Build(p.arch, bin, ca, epoch)
		if err != nil {
			return fmt.Errorf("linux/%s: %w", p.arch, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: p.arch}}})
		size, err := ImageSize(img)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "linux/%s: %d bytes compressed (binary %d bytes)\n", p.arch, size, len(bin))
	}
	lp, err := layout.Write(*out, empty.Index)
	if err != nil {
		return err
	}
	if err := lp.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": *ref})); err != nil {
		return err
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (index %s, %s)\n", *out, d, *ref)
	return nil
}

// Build is the image of one architecture: one layer holding the binary, the user database
// and the CA bundle (if any), on an empty base.
func Build(arch string, binary, caCerts []byte, epoch time.Time) (v1.Image, error) {
	files := []file{
		{name: "etc/", dir: true},
		{name: "etc/passwd", mode: 0o644, data: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{name: "etc/group", mode: 0o644, data: []byte("root:x:0:\nnonroot:x:65532:\n")},
		{name: "home/", dir: true},
		{name: "home/nonroot/", dir: true, uid: 65532},
		{name: "tmp/", dir: true, mode: 0o1777},
		{name: "usr/", dir: true},
		{name: "usr/local/", dir: true},
		{name: "usr/local/bin/", dir: true},
		{name: BinaryPath[1:], mode: 0o755, data: binary},
	}
	if caCerts != nil {
		files = append(files, file{name: "etc/ssl/", dir: true}, file{name: "etc/ssl/certs/", dir: true},
			file{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, data: caCerts})
	}
	layerTar, err := tarOf(files, epoch)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layerTar)), nil },
		tarball.WithMediaType(types.OCILayer), tarball.WithCompressionLevel(gzip.BestCompression))
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{Layer: layer,
		History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "deploy/image: mfn binary, nonroot user, CA certificates"}})
	if err != nil {
		return nil, err
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = "linux", arch, v1.Time{Time: epoch}
	cf.Config = v1.Config{
		User:         User,
		Entrypoint:   []string{BinaryPath},
		Cmd:          Cmd,
		Env:          []string{"MFN_ENV=prod", "PATH=/usr/local/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
		ExposedPorts: map[string]struct{}{Port: {}},
		WorkingDir:   "/home/nonroot",
		Labels: map[string]string{
			"org.opencontainers.image.title":       "mfn",
			"org.opencontainers.image.description": "MyceliumFractalNet in Go: mfn serve",
			"org.opencontainers.image.source":      "https://github.com/neuron7x/mycelium-fractal-net",
		},
	}
	return mutate.ConfigFile(img, cf)
}

// ImageSize is what pulling the image transfers: manifest, config and compressed layers.
func ImageSize(img v1.Image) (int64, error) {
	m, err := img.Manifest()
	if err != nil {
		return 0, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return 0, err
	}
	n := int64(len(raw)) + m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n, nil
}

type file struct {
	name string
	dir  bool
	mode int64
	uid  int
	data []byte
}

func tarOf(files []file, epoch time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Uid: f.uid, Gid: f.uid, ModTime: epoch, Format: tar.FormatPAX}
		if f.dir {
			h.Typeflag = tar.TypeDir
			if h.Mode == 0 {
				h.Mode = 0o755
			}
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), tw.Close()
}

func sourceDateEpoch() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: not a number of seconds", s)
	}
	return time.Unix(n, 0).UTC(), nil
}
