package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"mfn/dataset"
	"mfn/server"
)

// helmBinary finds helm on PATH or in GOPATH/bin (where .ci/steps/15-helm.sh installs it).
// Without it the Helm tests skip, except in CI, where that is a failure.
func helmBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("helm"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "helm")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("helm not found; .ci/steps/15-helm.sh installs it from the Go module proxy")
	}
	t.Skip("helm not found (go install helm.sh/helm/v3/cmd/helm@v3.22.0)")
	return ""
}

// helmTemplate renders the chart with the values files given and returns the objects by
// "Kind/name".
func helmTemplate(t *testing.T, values ...string) map[string]object {
	t.Helper()
	args := []string{"template", "mfn", "helm/mfn", "--namespace", "mfn"}
	for _, v := range values {
		args = append(args, "-f", v)
	}
	cmd := exec.Command(helmBinary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	objs := map[string]object{}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var o object
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("helm template output: %v", err)
		}
		if o == nil {
			continue
		}
		key := str(o, "kind") + "/" + str(o, "metadata", "name")
		if _, dup := objs[key]; dup {
			t.Fatalf("two objects %s", key)
		}
		objs[key] = o
	}
	return objs
}

func kinds(objs map[string]object) map[string]int {
	k := map[string]int{}
	for _, o := range objs {
		k[str(o, "kind")]++
	}
	return k
}

// Every workload of every values file: non-root, read-only root filesystem, no privilege
// escalation, resources requested and limited, probes on the right paths.
func checkWorkloads(t *testing.T, objs map[string]object) {
	t.Helper()
	for key, o := range objs {
		kind := str(o, "kind")
		if kind != "Deployment" && kind != "StatefulSet" && kind != "Job" {
			continue
		}
		pod := get(o, "spec", "template", "spec")
		if get(pod, "securityContext", "runAsNonRoot") != true {
			t.Errorf("%s: pod may run as root", key)
		}
		if get(pod, "automountServiceAccountToken") != false {
			t.Errorf("%s: mounts a service account token it does not need", key)
		}
		containers, _ := get(pod, "containers").([]any)
		if len(containers) == 0 {
			t.Errorf("%s: no containers", key)
		}
		for i := range containers {
			c := get(pod, "containers", i)
			name := key + "/" + str(c, "name")
			if get(c, "securityContext", "readOnlyRootFilesystem") != true || get(c, "securityContext", "allowPrivilegeEscalation") != false {
				t.Errorf("%s: writable root filesystem or privilege escalation", name)
			}
			for _, r := range []string{"requests", "limits"} {
				for _, res := range []string{"cpu", "memory"} {
					if get(c, "resources", r, res) == nil {
						t.Errorf("%s: no %s.%s", name, r, res)
					}
				}
			}
			if kind == "Job" {
				continue
			}
			if get(c, "livenessProbe") == nil || get(c, "readinessProbe") == nil {
				t.Errorf("%s: liveness and readiness probes are required", name)
			}
		}
	}
}

func TestHelmDefaultValues(t *testing.T) {
	objs := helmTemplate(t)
	k := kinds(objs)
	for kind, n := range map[string]int{"Deployment": 1, "Service": 1, "ConfigMap": 1, "HorizontalPodAutoscaler": 1,
		"PodDisruptionBudget": 1, "NetworkPolicy": 1, "ServiceMonitor": 1, "PrometheusRule": 1} {
		if k[kind] != n {
			t.Errorf("%d objects of kind %s, want %d (kinds: %v)", k[kind], kind, n, k)
		}
	}
	if k["Secret"] != 0 || k["StatefulSet"] != 0 {
		t.Errorf("defaults ship a Secret or the worker: %v", k)
	}
	checkWorkloads(t, objs)

	dep := objs["Deployment/mfn"]
	container := get(dep, "spec", "template", "spec", "containers", 0)
	for probe, path := range map[string]string{"startupProbe": "/health", "livenessProbe": "/health", "readinessProbe": "/ready"} {
		if got := str(container, probe, "httpGet", "path"); got != path {
			t.Errorf("%s: %q, want %s", probe, got, path)
		}
	}
	// The Service and the PDB select the Deployment's pods; the HPA scales it.
	podLabels := get(dep, "spec", "template", "metadata", "labels")
	if !labelsMatch(get(objs["Service/mfn"], "spec", "selector"), podLabels) {
		t.Error("the Service does not select the Deployment's pods")
	}
	if !labelsMatch(get(objs["PodDisruptionBudget/mfn"], "spec", "selector", "matchLabels"), podLabels) {
		t.Error("the PDB does not select the Deployment's pods")
	}
	if str(objs["HorizontalPodAutoscaler/mfn"], "spec", "scaleTargetRef", "name") != "mfn" {
		t.Error("the HPA does not scale the Deployment")
	}
	if get(dep, "spec", "replicas") != nil {
		t.Error("with the HPA on, the Deployment must not set replicas (each upgrade would reset the scale)")
	}
	svcLabels := get(objs["Service/mfn"], "metadata", "labels")
	if !labelsMatch(get(objs["ServiceMonitor/mfn"], "spec", "selector", "matchLabels"), svcLabels) {
		t.Error("the ServiceMonitor does not select the Service")
	}

	// The ConfigMap is a valid configuration, and its key files are inside mounted volumes.
	data, _ := get(objs["ConfigMap/mfn-config"], "data").(object)
	env := map[string]string{}
	for k, v := range data {
		env[k], _ = v.(string)
	}
	if _, err := server.LoadConfig(func(k string) string { return env[k] }); err != nil {
		t.Fatalf("the chart's ConfigMap does not load: %v", err)
	}
	mounts := map[string]bool{}
	for _, vm := range get(container, "volumeMounts").([]any) {
		mounts[str(vm, "mountPath")] = true
	}
	for _, v := range []string{"MFN_API_KEYS_FILE", "MFN_CRYPTO_KEY_FILE"} {
		if !mounts[filepath.Dir(env[v])] {
			t.Errorf("%s=%s is not inside a mounted volume", v, env[v])
		}
	}

	// The PrometheusRule carries exactly the promtool-tested rules.
	b, err := os.ReadFile("prometheus/mfn-alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var want object
	if err := yaml.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	gotGroups, _ := yaml.Marshal(get(objs["PrometheusRule/mfn"], "spec", "groups"))
	wantGroups, _ := yaml.Marshal(want["groups"])
	if !bytes.Equal(gotGroups, wantGroups) {
		t.Error("the chart's PrometheusRule differs from deploy/prometheus/mfn-alerts.yaml (copy it to deploy/helm/mfn/files/)")
	}
}

func TestHelmWorkerAndCreatedSecrets(t *testing.T) {
	objs := helmTemplate(t, "helm/ci/worker.yaml")
	checkWorkloads(t, objs)
	sts := objs["StatefulSet/mfn-worker"]
	if sts == nil {
		t.Fatalf("no worker StatefulSet: %v", kinds(objs))
	}
	if get(sts, "spec", "replicas") != 3 {
		t.Errorf("worker replicas %v, want 3", get(sts, "spec", "replicas"))
	}
	// The spool lives on the claim template.
	c := get(sts, "spec", "template", "spec", "containers", 0)
	spoolOnClaim := false
	for _, vm := range get(c, "volumeMounts").([]any) {
		if str(vm, "name") == "spool" && str(vm, "mountPath") == "/var/lib/mfn" {
			spoolOnClaim = str(sts, "spec", "volumeClaimTemplates", 0, "metadata", "name") == "spool"
		}
	}
	if !spoolOnClaim {
		t.Error("the worker's spool is not on its volume claim")
	}
	// The integrations file in the ConfigMap is mounted where --integrations says.
	args, _ := get(c, "args").([]any)
	if len(args) < 3 || args[2] != "/etc/mfn/integrations/integrations.yaml" {
		t.Errorf("worker args %v", args)
	}
	for _, name := range []string{"Secret/mfn-api-keys", "Secret/mfn-crypto-keys"} {
		if objs[name] == nil {
			t.Errorf("secrets.create=true renders no %s", name)
		}
	}
	dep := objs["Deployment/mfn"]
	for _, v := range get(dep, "spec", "template", "spec", "volumes").([]any) {
		if n := str(v, "secret", "secretName"); n != "" && objs["Secret/"+n] == nil {
			t.Errorf("the Deployment mounts Secret %s, which the chart did not create", n)
		}
	}
	if get(sts, "spec", "template", "spec", "terminationGracePeriodSeconds").(int) <= 30 {
		t.Error("the worker's grace period does not cover its 30 s drain")
	}
}

func TestHelmExternalSecretsAndMinimal(t *testing.T) {
	objs := helmTemplate(t, "helm/ci/external-secrets.yaml")
	checkWorkloads(t, objs)
	k := kinds(objs)
	if k["ExternalSecret"] != 2 || k["Secret"] != 0 || k["HorizontalPodAutoscaler"] != 0 || k["NetworkPolicy"] != 0 {
		t.Errorf("external-secrets values: kinds %v", k)
	}
	if get(objs["Deployment/mfn"], "spec", "replicas") != 2 {
		t.Error("without the HPA the Deployment sets replicas from serve.replicas")
	}
	targets := map[string]bool{}
	for key, o := range objs {
		if strings.HasPrefix(key, "ExternalSecret/") {
			targets[str(o, "spec", "target", "name")] = true
		}
	}
	for _, v := range get(objs["Deployment/mfn"], "spec", "template", "spec", "volumes").([]any) {
		if n := str(v, "secret", "secretName"); n != "" && !targets[n] {
			t.Errorf("the Deployment mounts Secret %s, which no ExternalSecret fills", n)
		}
	}

	objs = helmTemplate(t, "helm/ci/minimal.yaml")
	k = kinds(objs)
	if k["ServiceMonitor"] != 0 || k["PrometheusRule"] != 0 {
		t.Errorf("minimal values still render monitoring CRDs: %v", k)
	}
	data, _ := get(objs["ConfigMap/mfn-config"], "data").(object)
	if _, ok := data["MFN_CRYPTO_KEY_FILE"]; ok {
		t.Error("crypto keys disabled but MFN_CRYPTO_KEY_FILE set")
	}
}

// A chart that cannot render says why: secrets.create without values fails.
func TestHelmRefusesCreateWithoutValues(t *testing.T) {
	cmd := exec.Command(helmBinary(t), "template", "mfn", "helm/mfn", "--set", "secrets.create=true")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "secrets.apiKeys.value is empty") {
		t.Errorf("helm template with secrets.create and no values: err=%v\n%s", err, out)
	}
}

// The chart's sharded dataset: an Indexed Job whose completions, --shard I/N and the merge's
// --shards agree, --workers matching the CPU request, the sweep mounted where --sweep reads it,
// a sweep with at least one job per shard, and the same hardening as the other workloads.
func TestHelmDatasetJobs(t *testing.T) {
	objs := helmTemplate(t, "helm/ci/dataset.yaml")
	checkWorkloads(t, objs)
	shards, merge := objs["Job/mfn-dataset-shards"], objs["Job/mfn-dataset-merge"]
	if shards == nil || merge == nil || objs["Deployment/mfn"] != nil {
		t.Fatalf("kinds %v", kinds(objs))
	}
	if str(shards, "spec", "completionMode") != "Indexed" || get(shards, "spec", "completions") != 8 {
		t.Errorf("shards Job: completionMode %q completions %v", str(shards, "spec", "completionMode"), get(shards, "spec", "completions"))
	}
	c := get(shards, "spec", "template", "spec", "containers", 0)
	args := strings.Join(toStrings(get(c, "args")), " ")
	if !strings.Contains(args, "--shard $(JOB_COMPLETION_INDEX)/8") || !strings.Contains(args, "--resume") {
		t.Errorf("shard args %q", args)
	}
	if !strings.Contains(args, "--workers 2") || str(c, "resources", "requests", "cpu") != "2" {
		t.Errorf("--workers and the CPU request disagree: %q, %v", args, get(c, "resources"))
	}
	mergeArgs := strings.Join(toStrings(get(merge, "spec", "template", "spec", "initContainers", 0, "args")), " ")
	if !strings.Contains(mergeArgs, "--shards 8") {
		t.Errorf("merge waits for %q, not 8 shards", mergeArgs)
	}
	cm := objs["ConfigMap/mfn-dataset"]
	sw, err := dataset.ReadSweep(strings.NewReader(str(cm, "data", "sweep.json")))
	if err != nil {
		t.Fatalf("the chart's sweep: %v", err)
	}
	plan, err := sw.Plan("chart")
	if err != nil || len(plan.Jobs) < 8 {
		t.Errorf("sweep of %v jobs for 8 shards (%v)", plan, err)
	}
	if str(c, "volumeMounts", 0, "mountPath") != "/etc/mfn/dataset" || !strings.Contains(args, "/etc/mfn/dataset/sweep.json") {
		t.Error("the sweep is not mounted where --sweep reads it")
	}
}
