package main

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"go.yaml.in/yaml/v3"
)

// The image under test: the layout CI built from the real binaries (MFN_IMAGE_LAYOUT, with
// MFN_IMAGE_MAX_BYTES bounding each architecture's compressed size), else one written here
// from stand-in ELF files, which checks everything but the size of the real thing.
func imageLayout(t *testing.T) (dir string, maxBytes int64) {
	t.Helper()
	if dir := os.Getenv("MFN_IMAGE_LAYOUT"); dir != "" {
		max, err := strconv.ParseInt(os.Getenv("MFN_IMAGE_MAX_BYTES"), 10, 64)
		if err != nil {
			t.Fatalf("MFN_IMAGE_MAX_BYTES=%q: want the bound in bytes beside MFN_IMAGE_LAYOUT", os.Getenv("MFN_IMAGE_MAX_BYTES"))
		}
		return dir, max
	}
	tmp := t.TempDir()
	bins := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	args := []string{"--out", filepath.Join(tmp, "layout"), "--ca-certs", ""}
	for arch, m := range bins {
		p := filepath.Join(tmp, arch)
		if err := os.WriteFile(p, fakeELF(m), 0o755); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--"+arch, p)
	}
	var out bytes.Buffer
	if err := run(args, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "linux/arm64:") || !strings.Contains(out.String(), "wrote ") {
		t.Errorf("output: %s", out.String())
	}
	return filepath.Join(tmp, "layout"), 1 << 20
}

// fakeELF is a 64-bit little-endian ELF header of machine m with no program headers (a
// static executable has no interpreter).
func fakeELF(m elf.Machine) []byte {
	h := make([]byte, 64)
	copy(h, []byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)})
	binary.LittleEndian.PutUint16(h[16:], uint16(elf.ET_EXEC))
	binary.LittleEndian.PutUint16(h[18:], uint16(m))
	binary.LittleEndian.PutUint32(h[20:], uint32(elf.EV_CURRENT))
	binary.LittleEndian.PutUint16(h[52:], 64) // header size
	return h
}

var machines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

func TestImage(t *testing.T) {
	dir, maxBytes := imageLayout(t)
	lp, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	top, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := top.IndexManifest()
	if err != nil || len(tm.Manifests) != 1 {
		t.Fatalf("the layout holds %d entries (want one multi-arch index): %v", len(tm.Manifests), err)
	}
	idx, err := top.ImageIndex(tm.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var archs []string
	for _, d := range im.Manifests {
		if d.Platform == nil || d.Platform.OS != "linux" {
			t.Fatalf("manifest %s: platform %v", d.Digest, d.Platform)
		}
		archs = append(archs, d.Platform.Architecture)
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		checkImage(t, d.Platform.Architecture, img, maxBytes)
	}
	slices.Sort(archs)
	if !slices.Equal(archs, []string{"amd64", "arm64"}) {
		t.Errorf("architectures %v, want amd64 and arm64", archs)
	}
}

func checkImage(t *testing.T, arch string, img v1.Image, maxBytes int64) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if cf.OS != "linux" || cf.Architecture != arch {
		t.Errorf("%s: config says %s/%s", arch, cf.OS, cf.Architecture)
	}
	if c.User != User || !slices.Equal(c.Entrypoint, []string{BinaryPath}) || !slices.Equal(c.Cmd, Cmd) {
		t.Errorf("%s: user %q entrypoint %q cmd %q", arch, c.User, c.Entrypoint, c.Cmd)
	}
	if _, ok := c.ExposedPorts[Port]; !ok || !slices.Contains(c.Env, "MFN_ENV=prod") {
		t.Errorf("%s: ports %v env %v", arch, c.ExposedPorts, c.Env)
	}
	size, err := ImageSize(img)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("linux/%s: %d bytes compressed", arch, size)
	if size > maxBytes {
		t.Errorf("linux/%s: %d bytes compressed, more than the %d allowed", arch, size, maxBytes)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%s: %d layers (want 1, from scratch): %v", arch, len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var passwd string
	var sawBinary bool
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := "/" + strings.TrimSuffix(h.Name, "/")
		// No shell, no package manager, no other program: the binary is the only executable.
		if strings.HasPrefix(name, "/bin") || strings.HasPrefix(name, "/sbin") || strings.HasPrefix(name, "/usr/bin") || strings.HasPrefix(name, "/var/lib/dpkg") || strings.HasPrefix(name, "/lib") {
			t.Errorf("%s: the image holds %s", arch, name)
		}
		if h.Typeflag == tar.TypeReg && h.Mode&0o111 != 0 && name != BinaryPath {
			t.Errorf("%s: %s is executable", arch, name)
		}
		if h.Typeflag == tar.TypeSymlink || h.Typeflag == tar.TypeLink {
			t.Errorf("%s: link %s -> %s", arch, name, h.Linkname)
		}
		switch name {
		case BinaryPath:
			sawBinary = true
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			f, err := elf.NewFile(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %s is not an ELF file: %v", arch, name, err)
			}
			if f.Machine != machines[arch] {
				t.Errorf("%s: the binary is for %v", arch, f.Machine)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Errorf("%s: the binary is dynamically linked", arch)
				}
			}
			if h.Mode&0o755 != 0o755 || h.Uid != 0 {
				t.Errorf("%s: binary mode %o uid %d (want 0755, owned by root so the user cannot replace it)", arch, h.Mode, h.Uid)
			}
		case "/etc/passwd":
			b, _ := io.ReadAll(tr)
			passwd = string(b)
		}
	}
	if !sawBinary {
		t.Errorf("%s: no %s", arch, BinaryPath)
	}
	if !strings.Contains(passwd, "nonroot:x:65532:65532:") {
		t.Errorf("%s: /etc/passwd lacks the nonroot user 65532: %q", arch, passwd)
	}
}

// The image's user is the one the Helm chart and the kustomize manifests run as (numeric, so
// runAsNonRoot can verify it), both keep the root filesystem read-only, and both pass only
// arguments, so the image's entrypoint (the binary) stays in force.
func TestImageMatchesManifests(t *testing.T) {
	uid, gid, _ := strings.Cut(User, ":")
	var values struct {
		Pod struct {
			NonRoot bool `yaml:"runAsNonRoot"`
			User    int  `yaml:"runAsUser"`
			Group   int  `yaml:"runAsGroup"`
		} `yaml:"podSecurityContext"`
		Container struct {
			ReadOnly bool `yaml:"readOnlyRootFilesystem"`
		} `yaml:"containerSecurityContext"`
	}
	b, err := os.ReadFile("../helm/mfn/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}
	if !values.Pod.NonRoot || strconv.Itoa(values.Pod.User) != uid || strconv.Itoa(values.Pod.Group) != gid || !values.Container.ReadOnly {
		t.Errorf("helm values: %+v, image user %s", values, User)
	}
	var dep struct {
		Spec struct {
			Template struct {
				Spec struct {
					SecurityContext struct {
						User  int `yaml:"runAsUser"`
						Group int `yaml:"runAsGroup"`
					} `yaml:"securityContext"`
					Containers []struct {
						Command         []string `yaml:"command"`
						SecurityContext struct {
							ReadOnly bool `yaml:"readOnlyRootFilesystem"`
						} `yaml:"securityContext"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	b, err = os.ReadFile("../k8s/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &dep); err != nil {
		t.Fatal(err)
	}
	ps := dep.Spec.Template.Spec
	if strconv.Itoa(ps.SecurityContext.User) != uid || strconv.Itoa(ps.SecurityContext.Group) != gid || len(ps.Containers) == 0 {
		t.Fatalf("deploy/k8s/deployment.yaml: %+v", ps)
	}
	for _, c := range ps.Containers {
		if !c.SecurityContext.ReadOnly || c.Command != nil {
			t.Errorf("deploy/k8s/deployment.yaml container: read-only %v, command %q", c.SecurityContext.ReadOnly, c.Command)
		}
	}
	tpl, err := os.ReadFile("../helm/mfn/templates/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(tpl), "command:") {
		t.Error("the Helm deployment overrides the image's entrypoint with command:")
	}
}
