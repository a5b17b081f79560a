package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"mfn/apikey"
)

func init() {
	register(command{
		name:    "keys",
		summary: "manage the API key file: generate, add, retire, rotate, prune, list (expiry and overlap)",
		run:     runKeys,
	})
}

const keysSynopsis = `keys ACTION --file FILE [flags]

Actions (mfn serve reloads the file when it changes, and on SIGHUP):
  generate                       print a new random key (32 bytes, base64url); the file is not touched
  add     [--key K] [--id L] [--expires D] [--key-out FILE]
                                 append a key (a generated one unless --key) and print it
  retire  --id L|FINGERPRINT [--overlap D]
                                 let a key expire after the overlap window (default 24h)
  rotate  [--id L] [--overlap D] [--expires D] [--key-out FILE]
                                 add a new key and retire every other valid key with the overlap;
                                 drops expired keys; prints the new key
  prune                          drop expired keys
  list    [--format text|json]   fingerprint, id, created, expires and state of every key

Durations: Go durations (90m, 36h) or days (90d). --expires 0 means no expiry.
The file is replaced atomically (mode 0600). Keys are printed only when created.`

// parseDays accepts Go durations and a whole number of days ("90d").
func parseDays(flagName, s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err == nil && n >= 0 && n <= 36500 && fmt.Sprint(n) == d {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if v, err := time.ParseDuration(s); err == nil && v >= 0 {
		return v, nil
	}
	return 0, fmt.Errorf("%w: --%s=%q: want a non-negative duration such as 36h or 90d", errUsage, flagName, s)
}

type keyListing struct {
	Fingerprint string `json:"fingerprint"`
	ID          string `json:"id,omitempty"`
	Created     string `json:"created,omitempty"`
	Expires     string `json:"expires,omitempty"`
	State       string `json:"state"` // active, expiring (within 7 days), expired
}

func runKeys(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "keys", keysSynopsis)
	file := fs.String("file", "", "the API key file (MFN_API_KEYS_FILE); created by add and rotate when missing")
	key := fs.String("key", "", "add: this key instead of a generated one (at least 16 characters, no blanks)")
	id := fs.String("id", "", "add, rotate: a label for the new key; retire: the label or fingerprint of the key to retire")
	expires := fs.String("expires", "90d", "add, rotate: lifetime of the new key (0: no expiry)")
	overlap := fs.String("overlap", "24h", "retire, rotate: how long retired keys stay valid")
	format := fs.String("format", "text", "list: text or json")
	keyOut := fs.String("key-out", "", "add, rotate: write the new key to this file (mode 0600) instead of standard output")
	if len(args) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: an action is required (generate, add, retire, rotate, prune, list)", errUsage)
	}
	action, rest := args[0], args[1:]
	if action == "-h" || action == "--help" {
		return parseFlags(fs, args)
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if err := oneOf("format", *format, "text", "json"); err != nil {
		return err
	}
	if action == "generate" {
		fmt.Fprintln(env.Stdout, apikey.Generate())
		return nil
	}
	switch action {
	case "add", "retire", "rotate", "prune", "list":
	default:
		return fmt.Errorf("%w: unknown action %q (want generate, add, retire, rotate, prune or list)", errUsage, action)
	}
	if *file == "" {
		return fmt.Errorf("%w: --file is required for %s", errUsage, action)
	}
	if action == "retire" && *id == "" {
		return fmt.Errorf("%w: retire needs --id LABEL or --id FINGERPRINT", errUsage)
	}
	now := time.Now().UTC().Truncate(time.Second)
	set, err := apikey.ReadFile(*file, action == "add" || action == "rotate")
	if err != nil {
		return err
	}
	lifetime, err := parseDays("expires", *expires)
	if err != nil {
		return err
	}
	window, err := parseDays("overlap", *overlap)
	if err != nil {
		return err
	}
	switch action {
	case "list":
		return listKeys(env, set, now, *format)
	case "prune":
		n := set.Prune(now)
		if err := set.WriteFile(*file); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "dropped %d expired keys; %d left\n", n, len(set.Entries))
		return nil
	case "retire":
		e, err := set.Retire(*id, now, window)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if err := set.WriteFile(*file); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "key %s expires %s\n", e.Fingerprint(), e.Expires.Format(time.RFC3339))
		return nil
	case "rotate":
		e, err := set.Rotate(*id, now, window, lifetime)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if err := set.WriteFile(*file); err != nil {
			return err
		}
		if err := printKey(env, *keyOut, e.Key); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "new key %s; the other keys expire by %s\n", e.Fingerprint(), now.Add(window).Format(time.RFC3339))
		return nil
	default: // add
		e := apikey.Entry{Key: *key, ID: *id, Created: now}
		if e.Key == "" {
			e.Key = apikey.Generate()
		} else if strings.ContainsAny(e.Key, " \t\r\n#") {
			return fmt.Errorf("%w: --key must not contain blanks or '#'", errUsage)
		}
		if lifetime > 0 {
			e.Expires = now.Add(lifetime)
		}
		if err := set.Add(e); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if err := set.WriteFile(*file); err != nil {
			return err
		}
		if *key == "" {
			if err := printKey(env, *keyOut, e.Key); err != nil {
				return err
			}
		}
		fmt.Fprintf(env.Stderr, "added key %s\n", e.Fingerprint())
		return nil
	}
}

// printKey writes a new key to standard output, or to a file only its owner can read.
func printKey(env *Env, path, key string) error {
	if path == "" {
		_, err := fmt.Fprintln(env.Stdout, key)
		return err
	}
	return os.WriteFile(path, []byte(key+"\n"), 0o600)
}

func listKeys(env *Env, set *apikey.Set, now time.Time, format string) error {
	rows := make([]keyListing, 0, len(set.Entries))
	for _, e := range set.Entries {
		r := keyListing{Fingerprint: e.Fingerprint(), ID: e.ID, State: "active"}
		if !e.Created.IsZero() {
			r.Created = e.Created.Format(time.RFC3339)
		}
		if !e.Expires.IsZero() {
			r.Expires = e.Expires.Format(time.RFC3339)
			switch {
			case !e.Valid(now):
				r.State = "expired"
			case e.Expires.Sub(now) < 7*24*time.Hour:
				r.State = "expiring"
			}
		}
		rows = append(rows, r)
	}
	if format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FINGERPRINT\tID\tCREATED\tEXPIRES\tSTATE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Fingerprint, dash(r.ID), dash(r.Created), dash(r.Expires), r.State)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
