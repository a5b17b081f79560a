// Package deploy holds the container image and Kubernetes manifests of `mfn serve`. Its test
// checks that the pieces fit together: the ServiceMonitor finds the Service, the probes hit
// public routes of the contract, no Secret is shipped, the configuration is valid for the
// service, and the image runs `mfn serve` as a non-root user.
package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"mfn/server"
)

type object = map[string]any

func load(t *testing.T) map[string]object { return loadDir(t, "k8s") }

// loadDir reads the manifests of dir, one object per file, by kind.
func loadDir(t *testing.T, dir string) map[string]object {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	byKind := map[string]object{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var o object
		if err := yaml.Unmarshal(b, &o); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		kind, _ := o["kind"].(string)
		if kind == "" {
			t.Fatalf("%s has no kind", f)
		}
		if _, dup := byKind[kind]; dup {
			t.Fatalf("two objects of kind %s", kind)
		}
		byKind[kind] = o
	}
	return byKind
}

// get walks a path of map keys and list indices.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(object)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string { s, _ := get(v, path...).(string); return s }

func labelsMatch(selector, labels any) bool {
	sel, _ := selector.(object)
	lab, _ := labels.(object)
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if lab[k] != v {
			return false
		}
	}
	return true
}

func TestManifestsFitTogether(t *testing.T) {
	m := load(t)
	if _, ok := m["Secret"]; ok {
		t.Error("a Secret is shipped; Secrets are created by the documented commands only")
	}
	dep, svc, sm := m["Deployment"], m["Service"], m["ServiceMonitor"]
	podLabels := get(dep, "spec", "template", "metadata", "labels")
	if !labelsMatch(get(dep, "spec", "selector", "matchLabels"), podLabels) {
		t.Error("the Deployment's selector does not match its pods")
	}
	if !labelsMatch(get(svc, "spec", "selector"), podLabels) {
		t.Error("the Service does not select the pods")
	}
	if !labelsMatch(get(sm, "spec", "selector", "matchLabels"), get(svc, "metadata", "labels")) {
		t.Error("the ServiceMonitor does not select the Service (the reference's bug)")
	}
	smPort := str(sm, "spec", "endpoints", 0, "port")
	if str(svc, "spec", "ports", 0, "name") != smPort || smPort == "" {
		t.Errorf("ServiceMonitor port %q is not the Service's port name", smPort)
	}
	if str(sm, "spec", "endpoints", 0, "path") != "/metrics" {
		t.Error("ServiceMonitor does not scrape /metrics")
	}
	container := get(dep, "spec", "template", "spec", "containers", 0)
	if str(container, "ports", 0, "name") != str(svc, "spec", "ports", 0, "targetPort") {
		t.Error("the Service's targetPort is not the container's port name")
	}
	for _, kind := range []string{"PodDisruptionBudget", "NetworkPolicy"} {
		sel := get(m[kind], "spec", "selector", "matchLabels")
		if kind == "NetworkPolicy" {
			sel = get(m[kind], "spec", "podSelector", "matchLabels")
		}
		if !labelsMatch(sel, podLabels) {
			t.Errorf("the %s does not select the pods", kind)
		}
	}
	if str(m["HorizontalPodAutoscaler"], "spec", "scaleTargetRef", "name") != str(dep, "metadata", "name") {
		t.Error("the HPA does not target the Deployment")
	}
	ing := m["Ingress"]
	for k := range get(ing, "metadata", "annotations").(object) {
		if strings.Contains(k, "rewrite-target") {
			t.Error("the Ingress rewrites paths (the reference's bug sent every request to /)")
		}
	}
	if str(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service", "name") != str(svc, "metadata", "name") ||
		str(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service", "port", "name") != smPort {
		t.Error("the Ingress does not route to the Service's http port")
	}
	args, _ := get(container, "args").([]any)
	if len(args) == 0 || args[0] != "serve" {
		t.Errorf("the container does not run `mfn serve`: %v", args)
	}
	if get(dep, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true ||
		get(container, "securityContext", "readOnlyRootFilesystem") != true {
		t.Error("the pod may run as root or write its root filesystem")
	}
}

// The probes hit public routes of the contract: liveness /health, readiness /ready.
func TestProbesUsePublicRoutes(t *testing.T) {
	m := load(t)
	var spec struct {
		Paths map[string]map[string]struct {
			Security *[]any `yaml:"security"`
		} `yaml:"paths"`
	}
	contract, err := os.ReadFile("../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(contract, &spec); err != nil {
		t.Fatal(err)
	}
	container := get(m["Deployment"], "spec", "template", "spec", "containers", 0)
	want := map[string]string{"startupProbe": "/health", "livenessProbe": "/health", "readinessProbe": "/ready"}
	for probe, path := range want {
		got := str(container, probe, "httpGet", "path")
		op, ok := spec.Paths[got]["get"]
		if got != path || !ok || op.Security == nil || len(*op.Security) != 0 {
			t.Errorf("%s: path %q, want the public route %s", probe, got, path)
		}
	}
}

// The ConfigMap, with the Secrets mounted where it says, is a valid configuration.
func TestConfigMapIsAValidConfiguration(t *testing.T) {
	m := load(t)
	data, _ := get(m["ConfigMap"], "data").(object)
	env := map[string]string{}
	for k, v := range data {
		env[k], _ = v.(string)
	}
	if _, err := server.LoadConfig(func(k string) string { return env[k] }); err != nil {
		t.Fatalf("the ConfigMap does not load: %v", err)
	}
	mounts := map[string]bool{}
	container := get(m["Deployment"], "spec", "template", "spec", "containers", 0)
	for _, vm := range get(container, "volumeMounts").([]any) {
		mounts[str(vm, "mountPath")] = true
	}
	for _, v := range []string{"MFN_API_KEYS_FILE", "MFN_CRYPTO_KEY_FILE"} {
		if !mounts[filepath.Dir(env[v])] {
			t.Errorf("%s=%s is not inside a mounted volume", v, env[v])
		}
	}
	// Every Secret the pods mount is created by a command in deploy/README.md.
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, vol := range get(m["Deployment"], "spec", "template", "spec", "volumes").([]any) {
		name := str(vol, "secret", "secretName")
		if name != "" && !strings.Contains(string(readme), "create secret generic "+name) {
			t.Errorf("Secret %s has no creation command in deploy/README.md", name)
		}
	}
}

func TestKustomizationListsEveryManifest(t *testing.T) {
	for _, dir := range []string{"k8s", "k8s-worker"} {
		kustomizationListsEvery(t, dir)
	}
}

func kustomizationListsEvery(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct{ Resources []string }
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range files {
		base := filepath.Base(f)
		if base != "kustomization.yaml" && !slices.Contains(k.Resources, base) {
			t.Errorf("%s/%s is not in kustomization.yaml", dir, base)
		}
	}
}

func TestDockerfileRunsServeAsNonRoot(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	stages := strings.Split(string(b), "\nFROM ")
	final := stages[len(stages)-1]
	for _, want := range []string{"USER 65532:65532", `CMD ["serve", "--addr", ":8000"]`, "EXPOSE 8000", "CGO_ENABLED=0"} {
		if !strings.Contains(final, want) && !strings.Contains(string(b), want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
	if len(stages) < 2 || !strings.Contains(final, "distroless/static") {
		t.Error("the image is not a multi-stage build ending in a static base")
	}
}
