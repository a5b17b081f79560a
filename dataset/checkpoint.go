package dataset

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"mfn/features"
	"mfn/pattern"
)

// Checkpoint is the journal of a run in progress: a header naming the run, then one JSON line
// per finished job. An interrupted run resumes from it; a finished run removes it.
type Checkpoint struct {
	path string
	f    *os.File
	w    *bufio.Writer
	// Timestamp is the run's timestamp, kept across resumptions.
	Timestamp string
	done      map[int]*Outcome
}

type checkpointHeader struct {
	Format    string `json:"mfn_dataset_checkpoint"`
	Run       string `json:"run"`
	Timestamp string `json:"timestamp"`
}

type checkpointLine struct {
	I        int      `json:"i"`
	Features []string `json:"features,omitempty"` // hex floats: exact, NaN and Inf included
	Growth   int      `json:"growth_events,omitempty"`
	Turing   int      `json:"turing_activations,omitempty"`
	Clamping int      `json:"clamping_events,omitempty"`
	// Pattern is a gm row's pattern measure, hex floats (wavelength, predicted, contrast, peak).
	Pattern []string `json:"pattern,omitempty"`
	Err     string   `json:"error,omitempty"`
}

// RunID identifies a plan and feature configuration: a checkpoint only resumes the same run.
func RunID(p *Plan, cfg features.Config) string {
	b, _ := json.Marshal(struct {
		P *Plan
		F features.Config
	}{p, cfg})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ErrCheckpointExists is returned when a checkpoint of an earlier run is present and the
// caller did not ask to resume.
var ErrCheckpointExists = errors.New("a checkpoint of an interrupted run exists")

// OpenCheckpoint opens the journal at path for the run. With resume, an existing journal of
// the same run is loaded; without, an existing journal is an error (so that an interrupted
// run is never silently restarted). timestamp is used for a new journal.
func OpenCheckpoint(path, run, timestamp string, resume bool) (*Checkpoint, error) {
	c := &Checkpoint{path: path, Timestamp: timestamp, done: map[int]*Outcome{}}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := c.create(run); err != nil {
			return nil, err
		}
		return c, nil
	case err != nil:
		return nil, err
	case !resume:
		return nil, fmt.Errorf("%w at %s: continue it with --resume, or delete it to start again", ErrCheckpointExists, path)
	}
	if err := c.load(data, run); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	c.f, c.w = f, bufio.NewWriter(f)
	return c, nil
}

func (c *Checkpoint) create(run string) error {
	f, err := os.OpenFile(c.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("cannot create the checkpoint: %w", err)
	}
	c.f, c.w = f, bufio.NewWriter(f)
	h, _ := json.Marshal(checkpointHeader{"1", run, c.Timestamp})
	c.w.Write(append(h, '\n'))
	return c.flush()
}

func (c *Checkpoint) load(data []byte, run string) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	if !sc.Scan() {
		return fmt.Errorf("checkpoint %s is empty; delete it to start again", c.path)
	}
	var h checkpointHeader
	if json.Unmarshal(sc.Bytes(), &h) != nil || h.Format != "1" {
		return fmt.Errorf("%s is not an mfn dataset checkpoint", c.path)
	}
	if h.Run != run {
		return fmt.Errorf("checkpoint %s belongs to a different run (other flags or configuration); rerun with the same flags, or delete it", c.path)
	}
	c.Timestamp = h.Timestamp
	for sc.Scan() {
		var l checkpointLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			break // a line cut short by a crash: everything before it is sound
		}
		oc := &Outcome{Err: l.Err}
		if l.Err == "" {
			vals := make([]float64, len(l.Features))
			for k, s := range l.Features {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					return fmt.Errorf("checkpoint %s: bad value %q", c.path, s)
				}
				vals[k] = v
			}
			fv, err := features.FromValues(vals)
			if err != nil {
				return fmt.Errorf("checkpoint %s: %w", c.path, err)
			}
			oc.Row = &Row{Features: fv, GrowthEvents: l.Growth, TuringActivations: l.Turing, ClampingEvents: l.Clamping}
			if len(l.Pattern) == 4 {
				var pv [4]float64
				for k, h := range l.Pattern {
					if pv[k], err = strconv.ParseFloat(h, 64); err != nil {
						return fmt.Errorf("checkpoint %s: pattern value %q: %w", c.path, h, err)
					}
				}
				oc.Row.Pattern = pattern.Measure{WavelengthCells: pv[0], PredictedWavelengthCells: pv[1], Contrast: pv[2], PeakWavenumber: pv[3]}
			}
		}
		c.done[l.I] = oc
	}
	return nil
}

// attach fills in the job parameters of resumed rows (they are not journaled: the run ID
// guarantees the same plan).
func (c *Checkpoint) attach(p *Plan) {
	for i, oc := range c.done {
		if oc.Row != nil && i >= 0 && i < len(p.Jobs) {
			oc.Row.Job = p.Jobs[i]
		}
	}
}

func (c *Checkpoint) record(i int, oc *Outcome) error {
	l := checkpointLine{I: i, Err: oc.Err}
	if oc.Row != nil {
		for _, v := range oc.Row.Features.Values() {
			l.Features = append(l.Features, strconv.FormatFloat(v, 'x', -1, 64))
		}
		l.Growth, l.Turing, l.Clamping = oc.Row.GrowthEvents, oc.Row.TuringActivations, oc.Row.ClampingEvents
		if oc.Row.Model != "" {
			m := oc.Row.Pattern
			for _, v := range []float64{m.WavelengthCells, m.PredictedWavelengthCells, m.Contrast, m.PeakWavenumber} {
				l.Pattern = append(l.Pattern, strconv.FormatFloat(v, 'x', -1, 64))
			}
		}
	}
	b, _ := json.Marshal(l)
	c.w.Write(append(b, '\n'))
	return c.flush()
}

// flush hands the journal to the operating system after every line, so a crash of this
// process loses at most the job in flight.
func (c *Checkpoint) flush() error { return c.w.Flush() }

// Close syncs and closes the journal, keeping it for a later --resume.
func (c *Checkpoint) Close() error {
	if c.f == nil {
		return nil
	}
	err := c.w.Flush()
	if e := c.f.Sync(); err == nil {
		err = e
	}
	if e := c.f.Close(); err == nil {
		err = e
	}
	c.f = nil
	return err
}

// Remove closes and deletes the journal once the output is complete.
func (c *Checkpoint) Remove() error {
	c.Close()
	return os.Remove(c.path)
}
