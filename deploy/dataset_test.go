package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"mfn/dataset"
)

// loadNamed reads the manifests a kustomization lists, by kind and name (the dataset run has
// two Jobs), and fails on a manifest file the kustomization leaves out.
func loadNamed(t *testing.T, dir string) map[string]object {
	t.Helper()
	var k struct {
		Resources []string `yaml:"resources"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil || yaml.Unmarshal(b, &k) != nil {
		t.Fatalf("kustomization: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(k.Resources, base) {
			t.Errorf("%s is not in the kustomization", base)
		}
	}
	out := map[string]object{}
	for _, r := range k.Resources {
		b, err := os.ReadFile(filepath.Join(dir, r))
		if err != nil {
			t.Fatal(err)
		}
		var o object
		if err := yaml.Unmarshal(b, &o); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		out[str(o, "kind")+"/"+str(o, "metadata", "name")] = o
	}
	return out
}

func argList(c any) []string {
	var args []string
	for _, a := range get(c, "args").([]any) {
		args = append(args, a.(string))
	}
	return args
}

func flagOf(args []string, name string) string {
	i := slices.Index(args, name)
	if i < 0 || i+1 >= len(args) {
		return ""
	}
	return args[i+1]
}

// envSource says where a container's variable comes from: "configmap:NAME/KEY" or
// "field:PATH".
func envSource(c any, name string) string {
	for _, e := range get(c, "env").([]any) {
		if str(e, "name") != name {
			continue
		}
		if k := str(e, "valueFrom", "configMapKeyRef", "key"); k != "" {
			return "configmap:" + str(e, "valueFrom", "configMapKeyRef", "name") + "/" + k
		}
		return "field:" + str(e, "valueFrom", "fieldRef", "fieldPath")
	}
	return ""
}

var varRef = regexp.MustCompile(`\$\(([A-Z_]+)\)`)

// The dataset run's manifests fit together: an Indexed Job whose completion index becomes
// --shard I/N with N = completions, whose sweep (from the ConfigMap) splits into N balanced
// non-empty shards, writing to the bucket the merge Job waits on and merges from; per-index
// retries resume; every $(VAR) in args is defined; the PodMonitor finds the metrics port.
func TestDatasetManifests(t *testing.T) {
	m := loadNamed(t, "k8s-dataset")
	job, merge, cm := m["Job/mfn-dataset-shards"], m["Job/mfn-dataset-merge"], m["ConfigMap/mfn-dataset"]
	pm, sa := m["PodMonitor/mfn-dataset"], m["ServiceAccount/mfn-dataset"]
	if job == nil || merge == nil || cm == nil || pm == nil || sa == nil {
		t.Fatalf("missing objects: have %v", slices.Collect(func(yield func(string) bool) {
			for k := range m {
				if !yield(k) {
					return
				}
			}
		}))
	}
	for k := range m {
		if strings.HasPrefix(k, "Secret/") {
			t.Error("a Secret is shipped")
		}
	}
	spec := get(job, "spec")
	if str(spec, "completionMode") != "Indexed" {
		t.Fatal("the shard Job is not Indexed")
	}
	completions, _ := get(spec, "completions").(int)
	parallelism, _ := get(spec, "parallelism").(int)
	if completions < 1 || parallelism < 1 || parallelism > completions {
		t.Errorf("completions %d, parallelism %d", completions, parallelism)
	}
	if b, _ := get(spec, "backoffLimitPerIndex").(int); b < 1 {
		t.Error("no backoffLimitPerIndex: a failed shard is not retried on its own")
	}
	pod := get(spec, "template", "spec")
	if str(pod, "restartPolicy") != "Never" {
		t.Error("backoffLimitPerIndex needs restartPolicy: Never")
	}
	c := get(pod, "containers", 0)
	args := argList(c)
	if len(args) == 0 || args[0] != "dataset" {
		t.Fatalf("the shard container does not run `mfn dataset`: %v", args)
	}
	// --shard $(JOB_COMPLETION_INDEX)/N with N = completions.
	wantShard := fmt.Sprintf("$(JOB_COMPLETION_INDEX)/%d", completions)
	if got := flagOf(args, "--shard"); got != wantShard {
		t.Errorf("--shard %q, want %q", got, wantShard)
	}
	if envSource(c, "JOB_COMPLETION_INDEX") != "field:metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Error("JOB_COMPLETION_INDEX is not the Job's completion index")
	}
	if !slices.Contains(args, "--resume") {
		t.Error("a retried shard does not --resume")
	}
	for _, cont := range []any{c, get(merge, "spec", "template", "spec", "initContainers", 0), get(merge, "spec", "template", "spec", "containers", 0)} {
		for _, a := range argList(cont) {
			for _, ref := range varRef.FindAllStringSubmatch(a, -1) {
				if envSource(cont, ref[1]) == "" {
					t.Errorf("container %s: $(%s) is not defined", str(cont, "name"), ref[1])
				}
			}
		}
	}
	// --workers matches the CPU the pod is given.
	cpu, _ := strconv.Atoi(str(c, "resources", "requests", "cpu"))
	if w := flagOf(args, "--workers"); w != strconv.Itoa(cpu) || str(c, "resources", "limits", "cpu") != str(c, "resources", "requests", "cpu") {
		t.Errorf("--workers %s for a CPU request of %q", w, str(c, "resources", "requests", "cpu"))
	}

	// The sweep is the ConfigMap's, mounted where --sweep says, and splits into N shards.
	sweepPath := flagOf(args, "--sweep")
	mounted := false
	for _, vm := range get(c, "volumeMounts").([]any) {
		if str(vm, "mountPath") == filepath.Dir(sweepPath) {
			for _, v := range get(pod, "volumes").([]any) {
				if str(v, "name") == str(vm, "name") && str(v, "configMap", "name") == str(cm, "metadata", "name") {
					mounted = true
				}
			}
		}
	}
	if !mounted {
		t.Errorf("--sweep %s is not in the mounted ConfigMap", sweepPath)
	}
	sw, err := dataset.ReadSweep(strings.NewReader(str(cm, "data", filepath.Base(sweepPath))))
	if err != nil {
		t.Fatalf("the ConfigMap's sweep: %v", err)
	}
	plan, err := sw.Plan("sweep")
	if err != nil {
		t.Fatal(err)
	}
	var costs []int64
	for i := range completions {
		sp, err := dataset.ShardPlan(plan, dataset.Shard{Index: i, Count: completions})
		if err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		costs = append(costs, dataset.ShardCost(sp))
	}
	if lo, hi := slices.Min(costs), slices.Max(costs); float64(hi) > 1.1*float64(lo) {
		t.Errorf("the sweep's %d shards are unbalanced: cost %d..%d", completions, lo, hi)
	}
	if _, err := dataset.ShardPlan(plan, dataset.Shard{Index: 0, Count: completions + 1}); completions < len(plan.Jobs) && err != nil {
		t.Errorf("unexpected: %v", err)
	}

	// The output is a bucket, the same the merge waits on and merges.
	out := str(cm, "data", "DATASET_OUT")
	if !regexp.MustCompile(`^(s3|gs|azblob)://[^/]+/.+\.(parquet|csv)(\?.*)?$`).MatchString(out) {
		t.Errorf("DATASET_OUT %q is not a dataset directory in a bucket", out)
	}
	if flagOf(args, "--out") != "$(DATASET_OUT)" || envSource(c, "DATASET_OUT") != "configmap:mfn-dataset/DATASET_OUT" {
		t.Error("the shards do not write to DATASET_OUT")
	}
	wait := argList(get(merge, "spec", "template", "spec", "initContainers", 0))
	if len(wait) < 3 || wait[1] != "status" || wait[2] != "$(DATASET_OUT)" || !slices.Contains(wait, "--wait") || flagOf(wait, "--shards") != strconv.Itoa(completions) {
		t.Errorf("the merge does not wait for the %d shards of DATASET_OUT: %v", completions, wait)
	}
	mergeArgs := argList(get(merge, "spec", "template", "spec", "containers", 0))
	if len(mergeArgs) < 3 || mergeArgs[1] != "merge" || mergeArgs[2] != "$(DATASET_OUT)" || flagOf(mergeArgs, "--out") == "" {
		t.Errorf("the merge step does not merge DATASET_OUT: %v", mergeArgs)
	}
	if !strings.HasPrefix(str(cm, "data", "DATASET_MERGED"), strings.SplitN(out, "/", 4)[0]+"//") {
		t.Error("DATASET_MERGED is not in object storage")
	}
	for _, j := range []any{job, merge} {
		if str(j, "spec", "template", "spec", "serviceAccountName") != str(sa, "metadata", "name") {
			t.Errorf("%s does not run as the dataset's service account", str(j, "metadata", "name"))
		}
	}

	// The PodMonitor scrapes the shard pods' metrics port.
	if !labelsMatch(get(pm, "spec", "selector", "matchLabels"), get(spec, "template", "metadata", "labels")) {
		t.Error("the PodMonitor does not select the shard pods")
	}
	port := str(pm, "spec", "podMetricsEndpoints", 0, "port")
	found := false
	for _, p := range get(c, "ports").([]any) {
		if str(p, "name") == port && ":"+strconv.Itoa(get(p, "containerPort").(int)) == flagOf(args, "--metrics-addr") {
			found = true
		}
	}
	if !found {
		t.Errorf("the PodMonitor's port %q is not the container's --metrics-addr", port)
	}
}
