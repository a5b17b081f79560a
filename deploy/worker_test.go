package deploy

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mfn/integration"
)

// The worker's manifests fit together: the StatefulSet runs `mfn worker` on the integrations
// file its ConfigMap holds, that file is valid, its spools sit on the pod's own volume, the
// grace period covers the drain, and the headless Service finds the pods' metrics port.
func TestWorkerManifests(t *testing.T) {
	m := loadDir(t, "k8s-worker")
	sts, cm, svc := m["StatefulSet"], m["ConfigMap"], m["Service"]
	if _, ok := m["Secret"]; ok {
		t.Error("a Secret is shipped")
	}
	pod := get(sts, "spec", "template", "spec")
	podLabels := get(sts, "spec", "template", "metadata", "labels")
	if !labelsMatch(get(sts, "spec", "selector", "matchLabels"), podLabels) || !labelsMatch(get(svc, "spec", "selector"), podLabels) {
		t.Error("the StatefulSet's selector or the Service does not select the worker pods")
	}
	if str(sts, "spec", "serviceName") != str(svc, "metadata", "name") || str(svc, "spec", "clusterIP") != "None" {
		t.Error("the StatefulSet's serviceName is not the headless Service")
	}
	container := get(pod, "containers", 0)
	var args []string
	for _, a := range get(container, "args").([]any) {
		args = append(args, a.(string))
	}
	flag := func(name string) string {
		i := slices.Index(args, name)
		if i < 0 || i+1 >= len(args) {
			return ""
		}
		return args[i+1]
	}
	if len(args) == 0 || args[0] != "worker" {
		t.Fatalf("the container does not run `mfn worker`: %v", args)
	}

	// The integrations file is the ConfigMap's key, mounted where --integrations says.
	file := flag("--integrations")
	mounts := map[string]string{} // mount path -> volume name
	for _, vm := range get(container, "volumeMounts").([]any) {
		mounts[str(vm, "mountPath")] = str(vm, "name")
	}
	var cmVolume string
	for _, v := range get(pod, "volumes").([]any) {
		if str(v, "configMap", "name") == str(cm, "metadata", "name") {
			cmVolume = str(v, "name")
		}
	}
	if cmVolume == "" || mounts[filepath.Dir(file)] != cmVolume {
		t.Fatalf("--integrations %s is not in the mounted ConfigMap", file)
	}
	data, _ := get(cm, "data", filepath.Base(file)).(string)
	cfg, err := integration.ParseConfig([]byte(data))
	if err != nil {
		t.Fatalf("the ConfigMap's %s is not a valid integrations file: %v", filepath.Base(file), err)
	}
	connector := flag("--connector")
	if !slices.ContainsFunc(cfg.Connectors, func(c integration.ConnectorConfig) bool { return c.Name == connector && c.Type == "kafka" }) {
		t.Errorf("--connector %q is not a Kafka connector of the file (workers share its partitions as a group)", connector)
	}
	if len(cfg.Route(connector)) == 0 {
		t.Errorf("no route from %q", connector)
	}

	// Every publisher's spool is on the volume claim, so it outlives the pod.
	var claim string
	for _, vct := range get(sts, "spec", "volumeClaimTemplates").([]any) {
		claim = str(vct, "metadata", "name")
	}
	var claimPath string
	for path, name := range mounts {
		if name == claim {
			claimPath = path
		}
	}
	for _, p := range cfg.Publishers {
		if claimPath == "" || !strings.HasPrefix(p.Spool.Dir, claimPath+"/") {
			t.Errorf("publisher %s spools in %q, not on the volume claim (%q at %q)", p.Name, p.Spool.Dir, claim, claimPath)
		}
	}

	// The grace period covers the drain.
	drain, err := time.ParseDuration(flag("--drain-timeout"))
	grace, _ := get(pod, "terminationGracePeriodSeconds").(int)
	if err != nil || time.Duration(grace)*time.Second <= drain {
		t.Errorf("terminationGracePeriodSeconds %d does not exceed --drain-timeout %q", grace, flag("--drain-timeout"))
	}
	// Metrics: the flag's port is the container's named port, the Service's target.
	if !strings.HasSuffix(flag("--metrics-addr"), ":9100") || get(container, "ports", 0, "containerPort") != 9100 ||
		str(container, "ports", 0, "name") != str(svc, "spec", "ports", 0, "targetPort") {
		t.Error("the metrics address, the container port and the Service's target port disagree")
	}
	if get(pod, "securityContext", "runAsNonRoot") != true || get(container, "securityContext", "readOnlyRootFilesystem") != true {
		t.Error("the worker may run as root or write its root filesystem")
	}
}
