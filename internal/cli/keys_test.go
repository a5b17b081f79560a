package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mfn/server"
)

// mfn keys add / rotate / retire / list on one file, checked against the server's own loader:
// after a rotation the new key and (within the overlap) the old one are valid.
func TestKeysCommandRotation(t *testing.T) {
	file := filepath.Join(t.TempDir(), "api-keys")
	code, out, errOut := run(t, "", "keys", "add", "--file", file, "--id", "first", "--expires", "30d")
	if code != 0 {
		t.Fatalf("add: %d %s", code, errOut)
	}
	first := strings.TrimSpace(out)
	code, out, errOut = run(t, "", "keys", "rotate", "--file", file, "--id", "second", "--overlap", "1h", "--expires", "90d")
	if code != 0 {
		t.Fatalf("rotate: %d %s", code, errOut)
	}
	second := strings.TrimSpace(out)
	if first == second || len(second) != 43 {
		t.Fatalf("keys %q %q", first, second)
	}
	keys, err := server.NewAPIKeys(true, nil, file)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{first, second} {
		if _, ok := keys.Check(k); !ok {
			t.Errorf("key %.6s… not valid right after the rotation", k)
		}
	}
	code, out, _ = run(t, "", "keys", "list", "--file", file, "--format", "json")
	var rows []keyListing
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 2 {
		t.Fatalf("list: %d %s", code, out)
	}
	if rows[0].ID != "first" || rows[0].State != "expiring" || rows[1].ID != "second" || rows[1].State != "active" {
		t.Errorf("list rows %+v", rows)
	}
	if strings.Contains(out, first) || strings.Contains(out, second) {
		t.Error("list prints keys")
	}
	// Retiring with no overlap refuses the key at once.
	if code, _, errOut = run(t, "", "keys", "retire", "--file", file, "--id", "second", "--overlap", "0s"); code != 0 {
		t.Fatalf("retire: %s", errOut)
	}
	if _, err := keys.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := keys.Check(second); ok {
		t.Error("a key retired with no overlap is still valid")
	}
	fi, _ := os.Stat(file)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode())
	}
}

func TestKeysCommandErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "api-keys")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"keys"}, 2, "an action is required"},
		{[]string{"keys", "burn", "--file", file}, 2, `unknown action "burn"`},
		{[]string{"keys", "list"}, 2, "--file is required"},
		{[]string{"keys", "list", "--file", file}, 1, "no such file"},
		{[]string{"keys", "add", "--file", file, "--expires", "soon"}, 2, `--expires="soon"`},
		{[]string{"keys", "add", "--file", file, "--key", "short"}, 2, "at least 16"},
		{[]string{"keys", "retire", "--file", file}, 2, "retire needs --id"},
		{[]string{"keys", "rotate", "--file", file, "--overlap", "48h", "--expires", "1d"}, 2, "must be longer than overlap"},
	} {
		code, _, errOut := run(t, "", c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
}
