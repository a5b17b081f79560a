package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runEnv(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errb, func(k string) string { return env[k] })
	return code, errb.String()
}

func TestSealOpen(t *testing.T) {
	dir := t.TempDir()
	plain, sealed, back := filepath.Join(dir, "p"), filepath.Join(dir, "s"), filepath.Join(dir, "b")
	if err := os.WriteFile(plain, []byte("weights and secrets"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"MFN_SEAL_PASSWORD": "hunter2"}
	if code, e := runEnv(t, env, "seal", "--in", plain, "--out", sealed, "--iterations", "100000", "--aad", "v1"); code != 0 {
		t.Fatalf("seal: %d %s", code, e)
	}
	s, _ := os.ReadFile(sealed)
	if bytes.Contains(s, []byte("secrets")) || len(s) != len("weights and secrets")+50 {
		t.Fatalf("sealed file of %d bytes", len(s))
	}
	if code, e := runEnv(t, env, "seal", "--open", "--in", sealed, "--out", back, "--aad", "v1"); code != 0 {
		t.Fatalf("open: %d %s", code, e)
	}
	if b, _ := os.ReadFile(back); string(b) != "weights and secrets" {
		t.Fatalf("opened %q", b)
	}
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("wrong\n"), 0o600)
	if code, e := runEnv(t, env, "seal", "--open", "--in", sealed, "--out", back, "--aad", "v1", "--password-file", pw); code != 1 || !strings.Contains(e, "wrong password") {
		t.Errorf("wrong password: %d %s", code, e)
	}
	if code, e := runEnv(t, nil, "seal", "--in", plain, "--out", sealed); code != 2 || !strings.Contains(e, "no password") {
		t.Errorf("no password: %d %s", code, e)
	}
	if code, e := runEnv(t, env, "seal", "--in", plain, "--out", sealed, "--iterations", "5"); code != 2 || !strings.Contains(e, "iterations=5 must be in") {
		t.Errorf("low cost: %d %s", code, e)
	}
}
