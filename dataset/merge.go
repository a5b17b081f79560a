package dataset

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
)

// Part is one shard's output, read into memory (a run is bounded by MaxSamples rows).
type Part struct {
	// Name is where the part came from, for messages.
	Name   string
	Format string // "parquet" or "csv"
	Data   []byte
	// Meta is the part's metadata: a Parquet part's own (key "mfn"), a CSV part's sidecar.
	Meta *Metadata
}

// SidecarName is the metadata file written beside a part. The leading underscore makes
// pyarrow, Spark and DuckDB's *.parquet globs pass over it when they read the directory.
func SidecarName(part string) string { return "_" + part + ".meta.json" }

// CheckParts verifies that the parts are the N shards of one run, each exactly once, and
// returns the metadata of the merged dataset. Every error names the part at fault, or the
// file that is missing.
func CheckParts(parts []*Part) (*Metadata, error) {
	if len(parts) == 0 {
		return nil, errors.New("no parts to merge")
	}
	first := parts[0]
	seen := map[int]*Part{}
	for _, p := range parts {
		m := p.Meta
		switch {
		case m == nil:
			return nil, fmt.Errorf("%s: no mfn dataset metadata: not a part written by mfn dataset --shard", p.Name)
		case m.Shard == nil:
			return nil, fmt.Errorf("%s: not a shard part (a complete dataset, written without --shard)", p.Name)
		case m.Shard.Validate() != nil:
			return nil, fmt.Errorf("%s: bad shard %d/%d in its metadata", p.Name, m.Shard.Index, m.Shard.Count)
		case p.Format != first.Format:
			return nil, fmt.Errorf("%s: a %s part among %s parts (%s)", p.Name, p.Format, first.Format, first.Name)
		case m.RunID != first.Meta.RunID:
			return nil, fmt.Errorf("%s: part of another run (run_id %.12s…, %s '%s') than %s (run_id %.12s…, %s '%s'): the configuration differs",
				p.Name, m.RunID, m.Generator, m.Name, first.Name, first.Meta.RunID, first.Meta.Generator, first.Meta.Name)
		case m.Shard.Count != first.Meta.Shard.Count:
			return nil, fmt.Errorf("%s: shard %s of a run split into %d shards, but %s is of %d: a run keeps its shard count",
				p.Name, m.Shard, m.Shard.Count, first.Name, first.Meta.Shard.Count)
		case !slices.Equal(m.Columns, first.Meta.Columns):
			return nil, fmt.Errorf("%s: columns differ from those of %s", p.Name, first.Name)
		}
		if s, _, ok := ParsePartName(baseName(p.Name)); ok && s != *m.Shard {
			return nil, fmt.Errorf("%s: named as shard %s, but its metadata says %s", p.Name, s, m.Shard)
		}
		if q, dup := seen[m.Shard.Index]; dup {
			return nil, fmt.Errorf("%s: duplicate of shard %s, already given as %s", p.Name, m.Shard, q.Name)
		}
		seen[m.Shard.Index] = p
	}
	n := first.Meta.Shard.Count
	for i := range n {
		if seen[i] == nil {
			s := Shard{i, n}
			return nil, fmt.Errorf("shard %s is missing: no %s among the parts (%s is %s)", s, s.PartName(first.Format), first.Name, first.Meta.Shard)
		}
	}
	out := *first.Meta
	out.Shard, out.PlanSamples, out.Output, out.Format = nil, 0, "", first.Format
	out.NumRows, out.Failed, out.ElapsedSec, out.Workers, out.Requested = 0, 0, 0, 0, 0
	out.Failures = map[int]string{}
	for _, p := range parts {
		out.NumRows += p.Meta.NumRows
		out.Failed += p.Meta.Failed
		out.Requested += p.Meta.Requested
		out.ElapsedSec += p.Meta.ElapsedSec // the sum: the core-time the run took
		out.Workers += p.Meta.Workers
		maps.Copy(out.Failures, p.Meta.Failures)
	}
	if out.Requested != first.Meta.PlanSamples {
		return nil, fmt.Errorf("the parts hold %d samples but the run has %d (%s): a part is incomplete", out.Requested, first.Meta.PlanSamples, first.Name)
	}
	if len(out.Failures) == 0 {
		out.Failures = nil
	}
	return &out, nil
}

func baseName(s string) string {
	if k := bytes.LastIndexByte([]byte(s), '/'); k >= 0 {
		s = s[k+1:]
	}
	if k := bytes.IndexByte([]byte(s), '?'); k >= 0 {
		s = s[:k]
	}
	return s
}

// MergeCSV writes the rows of the CSV parts in sim_id order: the bytes of the single-process
// run, since every cell keeps the text its part wrote.
func MergeCSV(w io.Writer, parts []*Part) error {
	var header []string
	type rec struct {
		id  int64
		row []string
	}
	var rows []rec
	for _, p := range parts {
		cr := csv.NewReader(bytes.NewReader(p.Data))
		h, err := cr.Read()
		if err != nil {
			return fmt.Errorf("%s: no CSV header: %w", p.Name, err)
		}
		if header == nil {
			header = h
			if len(h) == 0 || h[0] != "sim_id" {
				return fmt.Errorf("%s: the first column is not sim_id", p.Name)
			}
		} else if !slices.Equal(h, header) {
			return fmt.Errorf("%s: its header differs from %s's", p.Name, parts[0].Name)
		}
		for {
			r, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w", p.Name, err)
			}
			id, err := strconv.ParseInt(r[0], 10, 64)
			if err != nil {
				return fmt.Errorf("%s: sim_id %q is not an integer", p.Name, r[0])
			}
			rows = append(rows, rec{id, r})
		}
	}
	slices.SortFunc(rows, func(a, b rec) int { return cmp.Compare(a.id, b.id) })
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for k, r := range rows {
		if k > 0 && rows[k-1].id == r.id {
			return fmt.Errorf("sim_id %d appears twice among the parts", r.id)
		}
		if err := cw.Write(r.row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
