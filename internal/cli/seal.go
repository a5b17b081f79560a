package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"mfn/internal/atomicfile"
	"mfn/security"
)

func init() {
	register(command{
		name:    "seal",
		summary: "encrypt a file with a password (AES-256-GCM, PBKDF2-HMAC-SHA256 key; seal --open decrypts)",
		run:     runSeal,
	})
}

// sealMaxInput bounds the data seal reads (it is held in memory).
const sealMaxInput = 1 << 30

func runSeal(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "seal", "seal --in FILE --out FILE [--open] [--password-file FILE] [--iterations N] [--aad TEXT]\n\n"+
		"Encrypts (or with --open decrypts) a file under a key derived from a password by PBKDF2-HMAC-SHA256\n"+
		"(600 000 rounds by default, a 16-byte random salt) with AES-256-GCM; the rounds, salt and nonce are\n"+
		"stored in the sealed file's authenticated header (docs/adr/0027). The password comes from\n"+
		"--password-file (its first line) or the MFN_SEAL_PASSWORD environment variable, never a flag.")
	in := fs.String("in", "", "input file (- for standard input)")
	out := fs.String("out", "", "output file, written atomically")
	open := fs.Bool("open", false, "decrypt instead of encrypt")
	pwFile := fs.String("password-file", "", "file whose first line is the password (default: $MFN_SEAL_PASSWORD)")
	iter := fs.Int("iterations", security.DefaultIterations, fmt.Sprintf("PBKDF2 rounds when sealing, in [%d, %d]", security.MinIterations, security.MaxIterations))
	aad := fs.String("aad", "", "associated data: authenticated, not encrypted; opening needs the same text")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if *in == "" || *out == "" {
		return fmt.Errorf("%w: --in and --out are required", errUsage)
	}
	password := env.Getenv("MFN_SEAL_PASSWORD")
	if *pwFile != "" {
		b, err := os.ReadFile(*pwFile)
		if err != nil {
			return &ExitError{Code: 2, Err: fmt.Errorf("--password-file: %w", err)}
		}
		password, _, _ = strings.Cut(string(b), "\n")
		password = strings.TrimSuffix(password, "\r")
	}
	if password == "" {
		return fmt.Errorf("%w: no password: set MFN_SEAL_PASSWORD or pass --password-file", errUsage)
	}
	var r io.Reader = env.Stdin
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			return &ExitError{Code: 2, Err: fmt.Errorf("--in: %w", err)}
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, sealMaxInput+1))
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("--in: %w", err)}
	}
	if len(data) > sealMaxInput {
		return &ExitError{Code: 2, Err: fmt.Errorf("--in: more than %d bytes", sealMaxInput)}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var result []byte
	if *open {
		result, err = security.Open(password, data, []byte(*aad))
		if errors.Is(err, security.ErrOpen) {
			return &ExitError{Code: 1, Err: err}
		}
	} else {
		result, err = security.Seal(password, data, []byte(*aad), *iter)
	}
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	return atomicfile.Write(*out, func(w io.Writer) error { _, err := w.Write(result); return err })
}
