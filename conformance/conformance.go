// Package conformance replays the reference's recorded outputs (the golden files) against this
// implementation. Each kind of golden file has a checker, registered from its own file; a
// checker recognises its files by their content, so any directory of files in these formats
// can be checked, whatever their names, seeds or sizes.
package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Checker checks one kind of golden file.
type Checker struct {
	// Kind names the format, e.g. "rng" or "field_sim".
	Kind string
	// Detect reports whether a decoded file (top-level object) is of this kind.
	Detect func(fileName string, top map[string]json.RawMessage) bool
	// Check replays every case in the file, reporting each one to r.
	Check func(top map[string]json.RawMessage, r *Recorder) error
}

var checkers []Checker

// Register adds a checker; kinds register themselves from init.
func Register(c Checker) { checkers = append(checkers, c) }

// Kinds lists the registered kinds in a stable order.
func Kinds() []string {
	ks := make([]string, 0, len(checkers))
	for _, c := range checkers {
		ks = append(ks, c.Kind)
	}
	sort.Strings(ks)
	return ks
}

// Recorder collects the outcome of each case of one file.
type Recorder struct {
	File   string
	Kind   string
	Passed int
	Failed int
	// Deviations counts cases where this implementation differs on purpose (see docs/adr).
	Deviations int
	out        io.Writer
}

// Case records one case: nil means it passed; otherwise err describes the first difference.
func (r *Recorder) Case(name string, err error) {
	if err == nil {
		r.Passed++
		return
	}
	r.Failed++
	fmt.Fprintf(r.out, "FAIL %s [%s] %s: %v\n", r.File, r.Kind, name, err)
}

// Deviation records a case where we differ from the reference on purpose, naming the ADR.
func (r *Recorder) Deviation(name, adr, why string) {
	r.Deviations++
	fmt.Fprintf(r.out, "DEVIATION %s [%s] %s: %s (%s)\n", r.File, r.Kind, name, why, adr)
}

// Summary is the outcome of a whole run.
type Summary struct {
	Files      []*Recorder
	Passed     int
	Failed     int
	Deviations int
	// Unknown lists JSON files no checker recognised.
	Unknown []string
}

// RunDir checks every *.json file directly inside dir (and one level of sub-directories),
// writing one line per failing case to out.
func RunDir(dir string, out io.Writer) (*Summary, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	if !st.IsDir() {
		files = []string{dir}
	} else {
		err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != dir && strings.Count(strings.TrimPrefix(p, dir), string(filepath.Separator)) > 1 {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), ".json") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(files)
	s := &Summary{}
	for _, f := range files {
		if err := runFile(f, out, s); err != nil {
			return s, err
		}
	}
	return s, nil
}

func runFile(path string, out io.Writer, s *Summary) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		s.Unknown = append(s.Unknown, path)
		return nil
	}
	name := filepath.Base(path)
	matched := false
	for _, c := range checkers {
		if !c.Detect(name, top) {
			continue
		}
		matched = true
		r := &Recorder{File: name, Kind: c.Kind, out: out}
		if err := c.Check(top, r); err != nil {
			// A file that matches a kind but cannot be read is one failed case, not a crash.
			r.Case("(file)", fmt.Errorf("unreadable: %w", err))
		}
		s.Files = append(s.Files, r)
		s.Passed += r.Passed
		s.Failed += r.Failed
		s.Deviations += r.Deviations
	}
	if !matched {
		s.Unknown = append(s.Unknown, path)
	}
	return nil
}

// hasKeys reports whether top has all the given keys.
func hasKeys(top map[string]json.RawMessage, keys ...string) bool {
	for _, k := range keys {
		if _, ok := top[k]; !ok {
			return false
		}
	}
	return true
}
