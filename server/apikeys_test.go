package server

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil { // atomic, as a Secret volume update is
		t.Fatal(err)
	}
}

func TestAPIKeysFromFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys")
	writeFile(t, file, "# rotation in progress\n\nold-key\n  new-key  \n")
	k, err := NewAPIKeys(true, []string{"env-key"}, file)
	if err != nil {
		t.Fatal(err)
	}
	for key, ok := range map[string]bool{"env-key": true, "old-key": true, "new-key": true, "# rotation in progress": false, "": false} {
		if _, got := k.Check(key); got != ok {
			t.Errorf("Check(%q) = %v", key, got)
		}
	}
	id1, _ := k.Check("old-key")
	id2, _ := k.Check("new-key")
	if id1 == id2 || len(id1) != 12 || strings.Contains(id1, "old") {
		t.Errorf("fingerprints %q %q", id1, id2)
	}
	// A bad reload keeps the current keys.
	writeFile(t, file, "a key with blanks\n") // "key" is not an attribute
	if _, err := k.Reload(); err == nil {
		t.Error("a key with blanks was accepted")
	}
	if _, ok := k.Check("old-key"); !ok {
		t.Error("a failed reload dropped the keys")
	}
	os.Remove(file)
	if _, err := k.Reload(); err == nil {
		t.Error("a missing file was accepted")
	}
	if _, err := NewAPIKeys(true, nil, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("start-up with a missing key file succeeded")
	}
	empty := filepath.Join(t.TempDir(), "empty")
	writeFile(t, empty, "# nothing\n")
	if _, err := NewAPIKeys(true, nil, empty); err == nil {
		t.Error("required keys with an empty file succeeded")
	}
}

// Rotation under load: the new key is added, clients move, the old key is removed; no request
// made with a key valid at that moment fails.
func TestKeyRotationWithoutFailedRequests(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys")
	writeFile(t, file, "key-2025\n")
	app, _ := testApp(t, map[string]string{"MFN_ENV": "staging", "MFN_API_KEYS_FILE": file, "MFN_CRYPTO_ENABLED": "false",
		"MFN_RATE_LIMIT_ENABLED": "false"})
	h := app.Handler()
	var current atomic.Value
	current.Store("key-2025")
	var failures atomic.Int64
	var moved [4]atomic.Bool // client i has finished a request with the new key
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				key := current.Load().(string)
				if rec := call(h, "POST", "/nernst", `{"concentration_out_molar":1,"concentration_in_molar":2}`, "X-API-Key", key); rec.Code != 200 {
					failures.Add(1)
				}
				moved[i].Store(key == "key-2026")
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	writeFile(t, file, "key-2025\nkey-2026\n")
	app.Reload(true) // SIGHUP
	current.Store("key-2026")
	// The old key is removed once every client has moved (its last request used the new key).
	for i := range moved {
		for !moved[i].Load() {
			time.Sleep(time.Millisecond)
		}
	}
	writeFile(t, file, "key-2026\n")
	app.Reload(false) // the poller notices the change
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	if n := failures.Load(); n != 0 {
		t.Errorf("%d requests failed during the rotation", n)
	}
	if rec := call(h, "POST", "/nernst", `{}`, "X-API-Key", "key-2025"); rec.Code != 401 {
		t.Errorf("retired key still accepted: %d", rec.Code)
	}
	if rec := call(h, "POST", "/nernst", `{"concentration_out_molar":1,"concentration_in_molar":2}`, "X-API-Key", "key-2026"); rec.Code != 200 {
		t.Errorf("new key refused: %d", rec.Code)
	}
}
