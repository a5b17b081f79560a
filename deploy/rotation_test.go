package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"mfn/internal/cli"
	"mfn/server"
)

// loadMulti reads every object of the YAML files in dir, by "Kind/name".
func loadMulti(t *testing.T, dir string) map[string]object {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	out := map[string]object{}
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var o object
			if err := dec.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out[str(o, "kind")+"/"+str(o, "metadata", "name")] = o
		}
	}
	return out
}

// The rotation CronJob's wiring: the service account may touch exactly the Secrets the job
// reads and writes, the containers share the work volume, and the mfn step's arguments are
// a real `mfn keys rotate` that, run here on a copy of a key file, yields a file the server
// loads with the new key and the old one (within the overlap) valid.
func TestKeyRotationCronJob(t *testing.T) {
	m := loadMulti(t, "k8s-key-rotation")
	kustomizationListsEvery(t, "k8s-key-rotation")
	cj := m["CronJob/mfn-key-rotation"]
	if cj == nil {
		t.Fatalf("no CronJob: %v", m)
	}
	pod := get(cj, "spec", "jobTemplate", "spec", "template", "spec")
	if str(pod, "serviceAccountName") != "mfn-key-rotator" || m["ServiceAccount/mfn-key-rotator"] == nil {
		t.Error("the job does not run as the rotator service account")
	}
	if get(pod, "securityContext", "runAsNonRoot") != true {
		t.Error("the job may run as root")
	}
	rules, _ := get(m["Role/mfn-key-rotator"], "rules").([]any)
	var allowed []string
	for _, r := range rules {
		for _, n := range get(r, "resourceNames").([]any) {
			allowed = append(allowed, n.(string))
		}
	}
	var containers []any
	for _, k := range []string{"initContainers", "containers"} {
		cs, _ := get(pod, k).([]any)
		containers = append(containers, cs...)
	}
	if len(containers) != 3 {
		t.Fatalf("%d containers, want fetch, rotate, apply", len(containers))
	}
	var rotateArgs []string
	for _, c := range containers {
		cmd := strings.Join(toStrings(get(c, "command")), " ")
		for _, secret := range []string{"mfn-api-keys", "mfn-api-key-current"} {
			if strings.Contains(cmd, "secret "+secret) || strings.Contains(cmd, "generic "+secret) {
				if !slices.Contains(allowed, secret) {
					t.Errorf("container %s touches Secret %s, which the Role does not allow", str(c, "name"), secret)
				}
			}
		}
		if str(c, "name") == "rotate" {
			rotateArgs = toStrings(get(c, "args"))
		}
		if get(c, "securityContext", "readOnlyRootFilesystem") != true {
			t.Errorf("container %s: writable root filesystem", str(c, "name"))
		}
		if str(c, "volumeMounts", 0, "mountPath") != "/work" {
			t.Errorf("container %s does not mount the work volume at /work", str(c, "name"))
		}
	}
	// The Secret the job writes is the one the service mounts (deploy/k8s).
	dep := load(t)["Deployment"]
	mounted := false
	for _, v := range get(dep, "spec", "template", "spec", "volumes").([]any) {
		mounted = mounted || str(v, "secret", "secretName") == "mfn-api-keys"
	}
	if !mounted {
		t.Error("the service does not mount mfn-api-keys, which the rotation replaces")
	}

	// Run the rotate step's own arguments on a copy of a key file.
	work := t.TempDir()
	old := "old-client-key-0123456789"
	if err := os.WriteFile(filepath.Join(work, "api-keys"), []byte(old+" id=old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := make([]string, len(rotateArgs))
	for i, a := range rotateArgs {
		args[i] = strings.ReplaceAll(a, "/work", work)
	}
	var stdout, stderr bytes.Buffer
	if code := cli.Run(t.Context(), args, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" }); code != 0 {
		t.Fatalf("mfn %v: exit %d: %s", args, code, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Error("the rotate step prints the new key to its log")
	}
	newKey, err := os.ReadFile(filepath.Join(work, "current-key"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := server.NewAPIKeys(true, nil, filepath.Join(work, "api-keys"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{old, strings.TrimSpace(string(newKey))} {
		if _, ok := keys.Check(k); !ok {
			t.Errorf("after the job's rotation, key %.6s… is not valid", k)
		}
	}
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, x := range l {
		out[i], _ = x.(string)
	}
	return out
}
