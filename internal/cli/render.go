package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"mfn/internal/atomicfile"
	"mfn/morph"
	"mfn/npy"
	"mfn/render"
)

func init() {
	register(command{
		name:    "render",
		summary: "draw the potential field as a PNG heat map, or its history as an animated GIF",
		run:     runRender,
	})
}

func runRender(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "render",
		"render --out FILE.png|FILE.gif [--in FILE.npy | simulation flags]\n\n"+
			"A .png shows the final field (or the last frame of a (T,N,N) .npy); a .gif animates the\n"+
			"history, recorded for every step.")
	var s simFlags
	addSimFlags(fs, &s)
	out := fs.String("out", "", "write the picture here; the name must end in .png or .gif")
	in := fs.String("in", "", "draw this .npy file, (N,N) volts or a (T,N,N) history, instead of simulating")
	minMV := fs.Float64("min-mv", 0, "fix the low end of the colour scale, mV (default: the data's minimum)")
	maxMV := fs.Float64("max-mv", 0, "fix the high end of the colour scale, mV (default: the data's maximum)")
	scale := fs.Int("scale", 0, fmt.Sprintf("pixels per cell; 0 picks ~%d px wide", render.DefaultWidth))
	maxFrames := fs.Int("max-frames", render.DefaultMaxFrames, ".gif: at most this many frames, evenly subsampled (≥ 2)")
	delay := fs.Int("delay", render.DefaultDelay, ".gif: delay per frame in hundredths of a second, [1, 65535]")
	title := fs.String("title", "", "title above the map (default: describes the simulation or names the --in file)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	ext := strings.ToLower(filepath.Ext(*out))
	switch {
	case *out == "":
		return fmt.Errorf("%w: --out is required: a file name ending in .png or .gif", errUsage)
	case ext != ".png" && ext != ".gif":
		return fmt.Errorf("%w: --out=%q: the file name must end in .png or .gif", errUsage, *out)
	}
	opt, err := renderOptions(set, *minMV, *maxMV, *scale, *maxFrames, *delay)
	if err != nil {
		return err
	}

	var n int
	var frames [][]float64
	if *in != "" {
		if err := noSimFlags(set, *in); err != nil {
			return err
		}
		if n, frames, err = readFrames(*in); err != nil {
			return err
		}
		opt.Title = filepath.Base(*in)
	} else {
		if err := s.check(fs); err != nil {
			return err
		}
		s.history = ext == ".gif" // a PNG needs only the final field
		if s.history && s.steps == 0 {
			return fmt.Errorf("%w: --steps=0 records no history; a .gif needs at least one step", errUsage)
		}
		sim, err := s.run(ctx, func(int, []float64) error { return ctx.Err() })
		if err != nil {
			return err
		}
		n, frames = sim.n, [][]float64{sim.field}
		if sim.history != nil {
			frames = splitFrames(sim.history, n)
		}
		opt.Title = fmt.Sprintf("%s %d×%d, %d steps, seed %d", s.engine, n, n, s.steps, s.seed)
		if s.model == morph.ModelGM {
			opt.Title = fmt.Sprintf("gm %s %d×%d, %d steps, seed %d", s.preset, n, n, s.steps, s.seed)
		}
		if s.jitter {
			opt.Title += ", jitter"
		}
	}
	if set["title"] {
		opt.Title = *title
	}

	if ext == ".png" {
		img, err := render.Heatmap(frames[len(frames)-1], n, opt)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(*out, func(w io.Writer) error { return render.WritePNG(w, img) }); err != nil {
			return err
		}
		b := img.Bounds()
		fmt.Fprintf(env.Stdout, "written %s (%d×%d px)\n", *out, b.Dx(), b.Dy())
		return nil
	}
	g, err := render.AnimatedGIF(frames, n, opt)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(*out, func(w io.Writer) error { return render.WriteGIF(w, g) }); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "written %s (%d frames of %d×%d px, %d ms each)\n",
		*out, len(g.Image), g.Config.Width, g.Config.Height, 10*opt.Delay)
	return nil
}

// renderOptions checks the picture flags here, so that their errors name the flags.
func renderOptions(set map[string]bool, minMV, maxMV float64, scale, maxFrames, delay int) (render.Options, error) {
	opt := render.Options{Scale: scale, MaxFrames: maxFrames, Delay: delay}
	if scale < 0 {
		return opt, fmt.Errorf("%w: --scale=%d: must be ≥ 0 (0 picks ~%d px wide)", errUsage, scale, render.DefaultWidth)
	}
	if scale > render.MaxSide {
		return opt, fmt.Errorf("%w: --scale=%d: must be at most %d pixels per cell", errUsage, scale, render.MaxSide)
	}
	if maxFrames < 2 {
		return opt, fmt.Errorf("%w: --max-frames=%d: must be at least 2 (the first and last frames are kept)", errUsage, maxFrames)
	}
	if delay < 1 || delay > math.MaxUint16 {
		return opt, fmt.Errorf("%w: --delay=%d: must be in [1, %d] hundredths of a second", errUsage, delay, math.MaxUint16)
	}
	for _, b := range []struct {
		name string
		v    float64
		dst  **float64
	}{{"min-mv", minMV, &opt.MinMV}, {"max-mv", maxMV, &opt.MaxMV}} {
		if !set[b.name] {
			continue
		}
		if math.IsNaN(b.v) || math.IsInf(b.v, 0) {
			return opt, fmt.Errorf("%w: --%s=%v: must be a finite number of millivolts", errUsage, b.name, b.v)
		}
		v := b.v
		*b.dst = &v
	}
	if opt.MinMV != nil && opt.MaxMV != nil && !(minMV < maxMV) {
		return opt, fmt.Errorf("%w: --min-mv=%g, --max-mv=%g: the minimum must be below the maximum", errUsage, minMV, maxMV)
	}
	return opt, nil
}

// noSimFlags rejects simulation flags next to --in: they would be silently ignored.
func noSimFlags(set map[string]bool, in string) error {
	sim := flag.NewFlagSet("", flag.ContinueOnError)
	addSimFlags(sim, &simFlags{})
	var bad []string
	sim.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			bad = append(bad, "--"+f.Name)
		}
	})
	if len(bad) > 0 {
		return fmt.Errorf("%w: --in=%q draws a file; the simulation flag %s does not apply", errUsage, in, strings.Join(bad, ", "))
	}
	return nil
}

// readFrames reads a (N,N) field or a (T,N,N) history from a .npy file.
func readFrames(path string) (int, [][]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, fmt.Errorf("--in=%q: %w", path, err)
	}
	defer f.Close()
	shape, data, err := npy.Read(f)
	if err != nil {
		return 0, nil, fmt.Errorf("--in=%q: %w", path, err)
	}
	want := "want (N, N) for a field or (T, N, N) for a history, N ≥ 1"
	switch {
	case len(shape) == 2 && shape[0] == shape[1] && shape[0] > 0:
		return shape[0], [][]float64{data}, nil
	case len(shape) == 3 && shape[1] == shape[2] && shape[1] > 0 && shape[0] > 0:
		return shape[1], splitFrames(data, shape[1]), nil
	case len(shape) == 3 && shape[0] == 0:
		return 0, nil, fmt.Errorf("--in=%q: shape %s holds no frames; %s", path, shapeString(shape), want)
	case len(shape) == 2 || len(shape) == 3:
		return 0, nil, fmt.Errorf("--in=%q: shape %s: frames must be square and non-empty; %s", path, shapeString(shape), want)
	}
	return 0, nil, fmt.Errorf("--in=%q: shape %s has %d dimensions; %s", path, shapeString(shape), len(shape), want)
}

// splitFrames cuts a row-major (T, n, n) history into its T frames, without copying.
func splitFrames(history []float64, n int) [][]float64 {
	nn := n * n
	frames := make([][]float64, len(history)/nn)
	for t := range frames {
		frames[t] = history[t*nn : (t+1)*nn : (t+1)*nn]
	}
	return frames
}

// shapeString prints a shape as NumPy does: (3, 4), (5,), ().
func shapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
