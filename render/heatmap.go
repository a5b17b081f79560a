package render

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"
)

// Options controls a picture; the zero value picks every default.
type Options struct {
	// Scale is the side of one cell in pixels; 0 picks the largest that keeps the map within
	// about DefaultWidth pixels (at least 1).
	Scale int
	// MinMV and MaxMV fix the ends of the colour scale in millivolts; nil takes the data's
	// minimum or maximum (over all frames for a GIF, so every frame shares one scale).
	MinMV, MaxMV *float64
	// Title is drawn above the map, in capitals, when not empty (the tiny font has capitals
	// only, plus the 'm' of mV for the labels).
	Title string
	// MaxFrames caps the number of GIF frames (0 means DefaultMaxFrames); longer histories
	// are subsampled evenly, always keeping the first and the last frame.
	MaxFrames int
	// Delay is the GIF's delay per frame in hundredths of a second (0 means DefaultDelay).
	Delay int
}

const (
	// DefaultWidth is the width in pixels the default Scale aims the map at.
	DefaultWidth = 512
	// MaxSide bounds the map's side in pixels (and the grid's side), so no input can demand
	// an unbounded image.
	MaxSide = 16384
	// DefaultMaxFrames and DefaultDelay are the GIF defaults (200 frames, 50 ms each).
	DefaultMaxFrames = 200
	DefaultDelay     = 5
	// MaxGIFPixels bounds frames × width × height of a GIF (one byte each in memory).
	MaxGIFPixels = 1 << 28
)

// Pictures are drawn as codes: 0–255 are colour-map entries, then the three extra colours.
// Heatmap turns codes into RGBA; AnimatedGIF into indices of its (at most 256) palette.
const (
	codeGrey uint16 = 256 + iota
	codeBlack
	codeWhite
	numCodes
)

// minBarH keeps the colour bar tall enough for its labels even when the map is tiny.
const minBarH = 96

// Heatmap draws field, a row-major n×n grid of potentials in volts (row 0 at the top), as a
// heat map with a colour bar labelled in millivolts. NaN cells are NaNGrey; ±Inf take the
// ends of the scale.
func Heatmap(field []float64, n int, opt Options) (*image.RGBA, error) {
	if err := checkGrid(n, len(field), "field"); err != nil {
		return nil, err
	}
	if err := opt.check(); err != nil {
		return nil, err
	}
	lo, hi, err := colourRange(opt, [][]float64{field})
	if err != nil {
		return nil, err
	}
	l, err := newLayout(n, opt.Scale, lo, hi, titleLines(opt.Title))
	if err != nil {
		return nil, err
	}
	pix := l.base()
	l.paintField(pix, field)
	l.title(pix, 0, opt.Title)
	return l.rgba(pix), nil
}

// WritePNG encodes img as PNG.
func WritePNG(w io.Writer, img image.Image) error {
	if img == nil {
		return errors.New("render: WritePNG: nil image")
	}
	return png.Encode(w, img)
}

func checkGrid(n, got int, what string) error {
	if n < 1 || n > MaxSide {
		return fmt.Errorf("render: n=%d: the grid side must be in [1, %d]", n, MaxSide)
	}
	if got != n*n {
		return fmt.Errorf("render: len(%s)=%d: want n·n = %d values for n=%d", what, got, n*n, n)
	}
	return nil
}

func (o Options) check() error {
	if o.Scale < 0 {
		return fmt.Errorf("render: Scale=%d: must be ≥ 0 (0 picks ~%d px wide)", o.Scale, DefaultWidth)
	}
	if o.MaxFrames < 0 || o.MaxFrames == 1 {
		return fmt.Errorf("render: MaxFrames=%d: must be 0 (default %d) or at least 2 (the first and last frames are kept)",
			o.MaxFrames, DefaultMaxFrames)
	}
	if o.Delay < 0 || o.Delay > math.MaxUint16 {
		return fmt.Errorf("render: Delay=%d: must be in [0, %d] hundredths of a second (0 means %d)",
			o.Delay, math.MaxUint16, DefaultDelay)
	}
	for _, b := range []struct {
		name string
		v    *float64
	}{{"MinMV", o.MinMV}, {"MaxMV", o.MaxMV}} {
		if b.v != nil && (math.IsNaN(*b.v) || math.IsInf(*b.v, 0)) {
			return fmt.Errorf("render: %s=%v: must be a finite number of millivolts", b.name, *b.v)
		}
	}
	if o.MinMV != nil && o.MaxMV != nil && !(*o.MinMV < *o.MaxMV) {
		return fmt.Errorf("render: MinMV=%g, MaxMV=%g: MinMV must be below MaxMV", *o.MinMV, *o.MaxMV)
	}
	return nil
}

// colourRange returns the ends of the colour scale in volts: the fixed bounds where given,
// else the finite data's min and max. A degenerate range (a constant field, or one bound
// beyond all the data) is widened around its anchor so that nothing divides by zero; if even
// that fails (values near ±MaxFloat64) the scale is flat and every cell takes the middle.
func colourRange(opt Options, fields [][]float64) (lo, hi float64, err error) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, f := range fields {
		for _, v := range f {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if lo > hi { // no finite value at all
		lo, hi = 0, 0
	}
	if opt.MinMV != nil {
		lo = *opt.MinMV / 1000
	}
	if opt.MaxMV != nil {
		hi = *opt.MaxMV / 1000
	}
	if lo < hi {
		return lo, hi, nil
	}
	widen := func(v float64) float64 { return math.Max(0.5e-3, math.Abs(v)*1e-6) }
	anchor := lo
	switch {
	case opt.MinMV != nil && opt.MaxMV == nil:
		hi = lo + widen(lo)
	case opt.MaxMV != nil && opt.MinMV == nil:
		anchor = hi
		lo = hi - widen(hi)
	default:
		lo, hi = lo-widen(lo), hi+widen(hi)
	}
	if !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		lo, hi = anchor, anchor
	}
	return lo, hi, nil
}

// layout places the map, the colour bar, its ticks and the title on the canvas.
type layout struct {
	n, scale, ts int // grid side, pixels per cell, pixels per font dot
	w, h         int
	mapX, mapY   int
	barX, barY   int
	barW, barH   int
	labelX       int
	titleY       int
	lo, hi       float64 // colour range in volts
	ticks        []tick
}

type tick struct {
	y     int
	label string
}

// newLayout places the map, titleLines lines of title above it, and the colour bar to its right.
func newLayout(n, scale int, lo, hi float64, titleLines int) (*layout, error) {
	if scale == 0 {
		scale = max(1, DefaultWidth/n)
	}
	if scale > MaxSide/n {
		return nil, fmt.Errorf("render: Scale=%d: with n=%d the map would be %d px wide; at most %d px is allowed",
			scale, n, int64(scale)*int64(n), MaxSide)
	}
	side := n * scale
	l := &layout{n: n, scale: scale, ts: 1, lo: lo, hi: hi}
	if side >= 256 { // double-size text where the picture is big enough to need it
		l.ts = 2
	}
	pad := 4 * l.ts
	l.mapX, l.mapY, l.titleY = pad, pad, pad
	l.mapY += titleLines * (glyphH + 4) * l.ts
	l.barX, l.barY = l.mapX+side+3*pad, l.mapY
	l.barW, l.barH = 12*l.ts, max(side, minBarH)
	// Tick marks 3 dots long, then a 3-dot gap, so a mark never reads as a minus sign.
	l.labelX = l.barX + l.barW + 1 + 6*l.ts
	l.ticks = l.makeTicks()
	widest := 0
	for _, t := range l.ticks {
		widest = max(widest, textWidth(t.label, l.ts))
	}
	l.w = l.labelX + widest + pad
	l.h = l.barY + l.barH + pad
	return l, nil
}

// makeTicks labels the bar at "nice" values (1, 2 or 5 × 10^k mV apart, about five of them),
// which read better than the raw ends of the range.
func (l *layout) makeTicks() []tick {
	loMV, hiMV := l.lo*1000, l.hi*1000
	span := hiMV - loMV
	at := func(v, step float64) tick {
		frac := 0.5
		if span > 0 && !math.IsInf(span, 0) {
			frac = (v - loMV) / span
		} else if v == hiMV && hiMV != loMV {
			frac = 1
		} else if hiMV != loMV {
			frac = 0
		}
		y := l.barY + int(math.Round((1-math.Max(0, math.Min(1, frac)))*float64(l.barH-1)))
		return tick{y: y, label: formatMV(v, step) + " mV"}
	}
	ends := func() []tick {
		if !(span > 0) {
			return []tick{at(loMV, 0)}
		}
		return []tick{at(loMV, 0), at(hiMV, 0)}
	}
	if !(span > 0) || math.IsInf(span, 0) {
		return ends()
	}
	raw := span / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	switch f := raw / mag; {
	case f < 1.5:
		step = mag
	case f < 3.5:
		step = 2 * mag
	case f < 7.5:
		step = 5 * mag
	}
	k0, k1 := math.Ceil(loMV/step-1e-9), math.Floor(hiMV/step+1e-9)
	// Beyond 2^52 consecutive multiples are no longer distinct floats (a tiny span far from
	// zero): label the ends instead.
	if !(step > 0) || !(k1 >= k0) || k1-k0 > 20 || math.Max(math.Abs(k0), math.Abs(k1)) > 1<<52 {
		return ends()
	}
	var ts []tick
	for i := range int(k1-k0) + 1 {
		ts = append(ts, at((k0+float64(i))*step+0, step)) // +0 turns the -0 of Ceil(-0.3) into 0
	}
	return ts
}

// formatMV prints a tick value with as many decimals as its step needs; huge, tiny or
// infinite values fall back to exponent form.
func formatMV(v, step float64) string {
	d := 0
	if step > 0 && step < 1 {
		d = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	if step == 0 || d > 6 || math.Abs(v) >= 1e7 {
		return strconv.FormatFloat(v, 'g', 5, 64)
	}
	return strconv.FormatFloat(v, 'f', d, 64)
}

// base draws everything that does not depend on the field: background, bar, ticks, labels.
func (l *layout) base() []uint16 {
	pix := make([]uint16, l.w*l.h)
	for i := range pix {
		pix[i] = codeWhite
	}
	l.fill(pix, l.barX-1, l.barY-1, l.barW+2, l.barH+2, codeBlack)
	for r := 0; r < l.barH; r++ {
		l.fill(pix, l.barX, l.barY+r, l.barW, 1, entry(1-(float64(r)+0.5)/float64(l.barH)))
	}
	for _, t := range l.ticks {
		l.fill(pix, l.barX+l.barW+1, t.y-l.ts/2, 3*l.ts, l.ts, codeBlack)
		l.text(pix, l.labelX, t.y-glyphH*l.ts/2, t.label, codeBlack)
	}
	return pix
}

func (l *layout) paintField(pix []uint16, field []float64) {
	s := l.scale
	for i := 0; i < l.n; i++ {
		for j := 0; j < l.n; j++ {
			c := l.code(field[i*l.n+j])
			x0 := l.mapX + j*s
			for y := l.mapY + i*s; y < l.mapY+(i+1)*s; y++ {
				row := pix[y*l.w+x0 : y*l.w+x0+s]
				for k := range row {
					row[k] = c
				}
			}
		}
	}
}

// code maps a potential in volts to its colour code. The halves keep hi−lo finite even for
// ranges near ±MaxFloat64, and are exact otherwise, so min maps to entry 0 and max to 255.
func (l *layout) code(v float64) uint16 {
	if math.IsNaN(v) {
		return codeGrey
	}
	lo, hi := l.lo/2, l.hi/2
	t := 0.5
	if span := hi - lo; span > 0 {
		t = (v/2 - lo) / span
	}
	return entry(t)
}

// entry maps t in [0, 1] to one of 256 equal-width bins (as matplotlib does); t outside the
// range takes the nearest end.
func entry(t float64) uint16 {
	if !(t > 0) {
		return 0
	}
	return uint16(min(255, t*256))
}

// fill paints a rectangle, clipped to the canvas.
func (l *layout) fill(pix []uint16, x, y, w, h int, c uint16) {
	x0, y0, x1, y1 := max(x, 0), max(y, 0), min(x+w, l.w), min(y+h, l.h)
	for yy := y0; yy < y1; yy++ {
		for xx := x0; xx < x1; xx++ {
			pix[yy*l.w+xx] = c
		}
	}
}

func (l *layout) rgba(pix []uint16) *image.RGBA {
	var table [numCodes]color.RGBA
	for i := range 256 {
		table[i] = Viridis(uint8(i))
	}
	table[codeGrey], table[codeBlack], table[codeWhite] = NaNGrey, color.RGBA{A: 255}, color.RGBA{255, 255, 255, 255}
	img := image.NewRGBA(image.Rect(0, 0, l.w, l.h))
	for i, c := range pix {
		p, q := table[c], img.Pix[4*i:4*i+4:4*i+4]
		q[0], q[1], q[2], q[3] = p.R, p.G, p.B, p.A
	}
	return img
}

// text draws s with its top-left corner at (x, y), each font dot l.ts pixels square, clipped
// to the canvas; it stops at the right edge, so an over-long title is cut, not an error.
func (l *layout) text(pix []uint16, x, y int, s string, c uint16) {
	for _, r := range s {
		if x >= l.w {
			return
		}
		g := glyph(r)
		for row, bits := range g {
			for col := range glyphW {
				if bits&(1<<(glyphW-1-col)) != 0 {
					l.fill(pix, x+col*l.ts, y+row*l.ts, l.ts, l.ts, c)
				}
			}
		}
		x += (glyphW + 1) * l.ts
	}
}

// titleLines is the number of title lines a title needs: none for an empty one.
func titleLines(title string) int {
	if strings.TrimSpace(title) == "" {
		return 0
	}
	return 1
}

// title draws line k of the title in capitals above the map, cut at the map's right edge so
// it never runs into the colour bar or its labels.
func (l *layout) title(pix []uint16, k int, s string) {
	x, y := l.mapX, l.titleY+k*(glyphH+4)*l.ts
	right := l.mapX + l.n*l.scale
	for _, r := range strings.ToUpper(s) {
		if x+glyphW*l.ts > right {
			return
		}
		l.text(pix, x, y, string(r), codeBlack)
		x += (glyphW + 1) * l.ts
	}
}
