package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"mfn/dataset"
	"mfn/internal/blobstore"
)

const datasetMergeSynopsis = `dataset merge PARTS... [--out FILE.parquet|FILE.csv] [--seal]

Checks that PARTS (part files, or directories holding them; paths or s3://, gs://, azblob://,
file:// URLs) are the N shards of one run — same configuration hash and shard count, none
missing, none twice — and then:
  --out FILE   writes one file whose rows are those of the single-process run (CSV byte for
               byte, Parquet value for value) with FILE.meta.json beside it;
  --seal       leaves the parts where they are and marks their directory as one dataset:
               _SUCCESS and _mfn_metadata.json (pyarrow, DuckDB and Spark read the directory
               as one table and skip files starting with "_").`

const datasetStatusSynopsis = `dataset status DIR [--shards N] [--wait [--timeout D] [--interval D]] [--json]

Summarises the shards of a sharded run in DIR (a path or an object-storage URL): complete
(part written), partial (a run in progress or interrupted: its journal and progress) and
missing. Exit status 0 when every shard is complete, 3 otherwise.`

// maxPartBytes bounds one part read into memory (a whole run is at most MaxSamples rows).
const maxPartBytes = 1 << 30

func runDatasetSub(ctx context.Context, env *Env, sub string, args []string) error {
	if sub == "merge" {
		return runDatasetMerge(ctx, env, args)
	}
	return runDatasetStatus(ctx, env, args)
}

// parseInterspersed parses flags given before, between or after the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runDatasetMerge(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dataset merge", datasetMergeSynopsis)
	out := fs.String("out", "", "merged output file (.parquet or .csv, a path or URL)")
	seal := fs.Bool("seal", false, "mark the parts' directory as one complete dataset (_SUCCESS, _mfn_metadata.json)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("%w: give the parts to merge (files or directories)", errUsage)
	}
	if *out == "" && !*seal {
		return fmt.Errorf("%w: give --out FILE, --seal, or both", errUsage)
	}
	var parts []*dataset.Part
	var dirs []*blobstore.Dir
	defer func() {
		for _, d := range dirs {
			d.Close()
		}
	}()
	for _, arg := range pos {
		dirURL, base := blobstore.Split(arg)
		if _, _, ok := dataset.ParsePartName(base); !ok {
			dirURL, base = arg, "" // a directory of parts
		}
		d, err := blobstore.OpenDir(ctx, dirURL, false)
		if err != nil {
			return err
		}
		dirs = append(dirs, d)
		names := []string{base}
		if base == "" {
			names = nil
			objs, err := d.List(ctx)
			if err != nil {
				return err
			}
			for _, o := range objs {
				if _, _, ok := dataset.ParsePartName(o.Name); ok {
					names = append(names, o.Name)
				}
			}
			if len(names) == 0 {
				return fmt.Errorf("%s: no parts (part-IIIII-of-NNNNN.parquet or .csv) in it", arg)
			}
		}
		for _, n := range names {
			p, err := readPart(ctx, d, n)
			if err != nil {
				return err
			}
			parts = append(parts, p)
		}
	}
	meta, err := dataset.CheckParts(parts)
	if err != nil {
		return err
	}
	if *out != "" {
		dirURL, name := blobstore.Split(*out)
		format, err := formatOf(name)
		if err != nil {
			return err
		}
		if format != meta.Format {
			return fmt.Errorf("%w: --out=%q: the parts are %s, so the merged file must be .%s", errUsage, *out, meta.Format, meta.Format)
		}
		d, err := blobstore.OpenDir(ctx, dirURL, true)
		if err != nil {
			return err
		}
		dirs = append(dirs, d)
		m := *meta
		m.Output = d.Join(name)
		if err := d.Write(ctx, name, func(w io.Writer) error {
			if format == "csv" {
				return dataset.MergeCSV(w, parts)
			}
			return dataset.MergeParquet(w, parts, &m)
		}); err != nil {
			return err
		}
		if err := writeJSON(ctx, d, name+".meta.json", &m); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Merged %d parts: %d rows (%d failed) of %s '%s' into %s\n", len(parts), m.NumRows, m.Failed, m.Generator, m.Name, m.Output)
	}
	if *seal {
		if len(pos) != 1 || !isDirArg(pos[0]) {
			return fmt.Errorf("%w: --seal takes one directory of parts", errUsage)
		}
		d := dirs[0]
		m := *meta
		m.Output = d.String()
		if err := writeJSON(ctx, d, "_mfn_metadata.json", &m); err != nil {
			return err
		}
		if err := d.Write(ctx, "_SUCCESS", func(io.Writer) error { return nil }); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Sealed %s: %d parts, %d rows (%d failed); _SUCCESS written\n", d, len(parts), m.NumRows, m.Failed)
	}
	return nil
}

// isDirArg reports whether a merge argument named a directory rather than one part.
func isDirArg(arg string) bool {
	_, base := blobstore.Split(arg)
	_, _, ok := dataset.ParsePartName(base)
	return !ok
}

func writeJSON(ctx context.Context, d *blobstore.Dir, name string, v any) error {
	return d.Write(ctx, name, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// readPart reads a part and its metadata: a Parquet part's own, a CSV part's sidecar.
func readPart(ctx context.Context, d *blobstore.Dir, name string) (*dataset.Part, error) {
	_, format, _ := dataset.ParsePartName(name)
	p := &dataset.Part{Name: d.Join(name), Format: format}
	var err error
	if p.Data, err = d.ReadAll(ctx, name, maxPartBytes); err != nil {
		return nil, err
	}
	if format == "parquet" {
		if p.Meta, err = dataset.ParquetMetadata(p.Data); err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
		return p, nil
	}
	side, err := d.ReadAll(ctx, dataset.SidecarName(name), 1<<24)
	if err != nil {
		return nil, fmt.Errorf("%s: its metadata %s cannot be read: %w", p.Name, dataset.SidecarName(name), err)
	}
	var m dataset.Metadata
	if err := json.Unmarshal(side, &m); err != nil {
		return nil, fmt.Errorf("%s: bad metadata in %s: %v", p.Name, dataset.SidecarName(name), err)
	}
	p.Meta = &m
	return p, nil
}

// shardState is one line of `mfn dataset status`.
type shardState struct {
	Shard   int       `json:"shard"`
	State   string    `json:"state"` // complete, partial, missing
	Rows    int       `json:"rows,omitempty"`
	Failed  int       `json:"failed,omitempty"`
	Elapsed float64   `json:"elapsed_seconds,omitempty"`
	Done    int       `json:"done,omitempty"`
	Total   int       `json:"total,omitempty"`
	Updated time.Time `json:"updated,omitzero"`
	RunID   string    `json:"run_id,omitempty"`
	Note    string    `json:"note,omitempty"`
}

type runStatus struct {
	Dir      string       `json:"dir"`
	Shards   int          `json:"shards"`
	Complete int          `json:"complete"`
	Partial  int          `json:"partial"`
	Missing  int          `json:"missing"`
	Sealed   bool         `json:"sealed"`
	States   []shardState `json:"states"`
}

func runDatasetStatus(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dataset status", datasetStatusSynopsis)
	shards := fs.Int("shards", 0, "the run's shard count (default: read from the parts' names)")
	wait := fs.Bool("wait", false, "poll until every shard is complete")
	timeout := fs.Duration("timeout", 24*time.Hour, "with --wait: give up after this long")
	interval := fs.Duration("interval", 30*time.Second, "with --wait: time between polls")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: give one dataset directory (a path or URL)", errUsage)
	}
	if *shards < 0 || *shards > dataset.MaxShards {
		return fmt.Errorf("%w: --shards=%d: must be in [1, %d]", errUsage, *shards, dataset.MaxShards)
	}
	if *interval < time.Second {
		return fmt.Errorf("%w: --interval=%s: must be at least 1s", errUsage, *interval)
	}
	d, err := blobstore.OpenDir(ctx, pos[0], false)
	if err != nil {
		return err
	}
	defer d.Close()
	deadline := time.Now().Add(*timeout)
	for {
		st, err := shardStatus(ctx, d, *shards)
		if err != nil {
			return err
		}
		complete := st.Shards > 0 && st.Complete == st.Shards
		if !*wait || complete {
			printStatus(env.Stdout, st, *asJSON)
			if complete {
				return nil
			}
			return &ExitError{Code: 3}
		}
		fmt.Fprintf(env.Stderr, "%s: %d/%d shards complete, %d partial, %d missing\n", d, st.Complete, st.Shards, st.Partial, st.Missing)
		if time.Now().After(deadline) {
			printStatus(env.Stdout, st, *asJSON)
			return &ExitError{Code: 3, Err: fmt.Errorf("--timeout=%s: not every shard is complete", *timeout)}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(*interval):
		}
	}
}

func shardStatus(ctx context.Context, d *blobstore.Dir, n int) (*runStatus, error) {
	objs, err := d.List(ctx)
	if err != nil {
		return nil, err
	}
	st := &runStatus{Dir: d.String(), Shards: n}
	parts := map[int]string{}
	partial := map[int]string{}
	counts := map[int]int{}
	names := map[string]bool{}
	for _, o := range objs {
		names[o.Name] = true
		if o.Name == "_SUCCESS" {
			st.Sealed = true
		}
		base := strings.TrimPrefix(o.Name, "_")
		for _, suf := range []string{".partial", ".progress.json"} {
			if strings.HasPrefix(o.Name, "_") && strings.HasSuffix(base, suf) {
				if s, _, ok := dataset.ParsePartName(strings.TrimSuffix(base, suf)); ok {
					partial[s.Index] = strings.TrimSuffix(base, suf)
					counts[s.Count]++
				}
			}
		}
		if s, _, ok := dataset.ParsePartName(o.Name); ok {
			parts[s.Index] = o.Name
			counts[s.Count]++
		}
	}
	if n == 0 {
		if len(counts) > 1 {
			var ks []string
			for k := range counts {
				ks = append(ks, fmt.Sprint(k))
			}
			sort.Strings(ks)
			return nil, fmt.Errorf("%s holds parts of runs with %s shards: give --shards N", d, strings.Join(ks, ", "))
		}
		for k := range counts {
			n = k
		}
		st.Shards = n
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: no shards found (no part-IIIII-of-NNNNN files): give --shards N to count them as missing", d)
	}
	for i := range n {
		s := shardState{Shard: i, State: "missing"}
		if name, ok := parts[i]; ok {
			if sh, _, _ := dataset.ParsePartName(name); sh.Count != n {
				s.Note = fmt.Sprintf("%s is of a run with %d shards", name, sh.Count)
			} else {
				s.State = "complete"
				side, err := d.ReadAll(ctx, dataset.SidecarName(name), 1<<24)
				var m dataset.Metadata
				if err == nil && json.Unmarshal(side, &m) == nil {
					s.Rows, s.Failed, s.Elapsed, s.RunID = m.NumRows, m.Failed, m.ElapsedSec, m.RunID
				} else {
					s.Note = "no metadata sidecar yet"
				}
			}
		}
		if name, ok := partial[i]; ok && s.State == "missing" {
			if sh, _, _ := dataset.ParsePartName(name); sh.Count == n {
				s.State = "partial"
				data, err := d.ReadAll(ctx, "_"+name+".progress.json", 1<<20)
				var pr progressRecord
				if err == nil && json.Unmarshal(data, &pr) == nil {
					s.Done, s.Total, s.Updated, s.RunID = pr.Done, pr.Total, pr.Updated, pr.RunID
				}
			}
		}
		switch s.State {
		case "complete":
			st.Complete++
		case "partial":
			st.Partial++
		default:
			st.Missing++
		}
		st.States = append(st.States, s)
	}
	// Parts of another configuration in the same directory are worth a warning.
	var run string
	for k := range st.States {
		s := &st.States[k]
		if s.RunID == "" {
			continue
		}
		if run == "" {
			run = s.RunID
		} else if s.RunID != run && s.Note == "" {
			s.Note = "of another run (configuration) than shard " + fmt.Sprint(st.States[0].Shard)
		}
	}
	return st, nil
}

func printStatus(w io.Writer, st *runStatus, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(st)
		return
	}
	sealed := ""
	if st.Sealed {
		sealed = " (sealed: _SUCCESS)"
	}
	fmt.Fprintf(w, "%s: %d shards: %d complete, %d partial, %d missing%s\n", st.Dir, st.Shards, st.Complete, st.Partial, st.Missing, sealed)
	for _, s := range st.States {
		line := fmt.Sprintf("  shard %5d/%d  %-8s", s.Shard, st.Shards, s.State)
		switch s.State {
		case "complete":
			line += fmt.Sprintf("  %d rows, %d failed, %.1fs", s.Rows, s.Failed, s.Elapsed)
		case "partial":
			if s.Total > 0 {
				line += fmt.Sprintf("  %d/%d samples (%d%%), updated %s ago", s.Done, s.Total, 100*s.Done/s.Total, time.Since(s.Updated).Round(time.Second))
			}
		}
		if s.Note != "" {
			line += "  (" + s.Note + ")"
		}
		fmt.Fprintln(w, line)
	}
}
