package render

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"io"
)

// GIF palettes hold at most 256 colours and the pictures need three besides the map, so the
// animation uses 253 evenly spaced colour-map entries (0 and 255 among them) and then these.
const (
	gifMapColours = 253
	gifGrey       = 253
	gifBlack      = 254
	gifWhite      = 255
)

// AnimatedGIF draws one frame per history step (each a row-major n×n grid in volts), on one
// colour scale fixed over all frames, with the colour bar and a step counter in every frame.
// More than opt.MaxFrames frames are subsampled evenly, keeping the first and the last. The
// animation loops forever.
func AnimatedGIF(frames [][]float64, n int, opt Options) (*gif.GIF, error) {
	if len(frames) == 0 {
		return nil, errors.New("render: frames: none given; at least one frame is needed")
	}
	for i, f := range frames {
		if err := checkGrid(n, len(f), fmt.Sprintf("frames[%d]", i)); err != nil {
			return nil, err
		}
	}
	if err := opt.check(); err != nil {
		return nil, err
	}
	maxFrames, delay := opt.MaxFrames, opt.Delay
	if maxFrames == 0 {
		maxFrames = DefaultMaxFrames
	}
	if delay == 0 {
		delay = DefaultDelay
	}
	// The scale comes from every frame, not just the kept ones, so it does not depend on
	// MaxFrames.
	lo, hi, err := colourRange(opt, frames)
	if err != nil {
		return nil, err
	}
	l, err := newLayout(n, opt.Scale, lo, hi, titleLines(opt.Title)+1) // the title, then the step
	if err != nil {
		return nil, err
	}
	pick := subsample(len(frames), maxFrames)
	if px := int64(len(pick)) * int64(l.w) * int64(l.h); px > MaxGIFPixels {
		return nil, fmt.Errorf("render: %d frames of %d×%d px make %d pixels, more than %d; lower MaxFrames or Scale",
			len(pick), l.w, l.h, px, MaxGIFPixels)
	}
	pal, index := gifPalette()
	g := &gif.GIF{Config: image.Config{ColorModel: pal, Width: l.w, Height: l.h}} // one global palette
	base := l.base()
	pix := make([]uint16, len(base))
	for _, k := range pick {
		copy(pix, base)
		l.paintField(pix, frames[k])
		line := 0
		if titleLines(opt.Title) > 0 {
			l.title(pix, 0, opt.Title)
			line = 1
		}
		l.title(pix, line, fmt.Sprintf("step %d/%d", k+1, len(frames)))
		img := image.NewPaletted(image.Rect(0, 0, l.w, l.h), pal)
		for i, c := range pix {
			img.Pix[i] = index[c]
		}
		g.Image = append(g.Image, img)
		g.Delay = append(g.Delay, delay)
	}
	return g, nil // LoopCount 0: loop forever
}

// subsample picks at most m of the indices 0…t−1, evenly spaced, the first and last included.
func subsample(t, m int) []int {
	if t <= m {
		idx := make([]int, t)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	idx := make([]int, m)
	for k := range idx {
		// round(k·(t−1)/(m−1)) in integers; strictly increasing because t > m.
		idx[k] = int((2*int64(k)*int64(t-1) + int64(m-1)) / (2 * int64(m-1)))
	}
	return idx
}

// gifPalette returns the animation's palette and the palette index of every colour code.
func gifPalette() (color.Palette, [numCodes]uint8) {
	pal := make(color.Palette, 0, 256)
	for i := range gifMapColours {
		pal = append(pal, Viridis(uint8((i*255+(gifMapColours-1)/2)/(gifMapColours-1))))
	}
	pal = append(pal, NaNGrey, color.RGBA{A: 255}, color.RGBA{255, 255, 255, 255})
	var index [numCodes]uint8
	for c := range 256 {
		index[c] = uint8((c*(gifMapColours-1) + 127) / 255)
	}
	index[codeGrey], index[codeBlack], index[codeWhite] = gifGrey, gifBlack, gifWhite
	return pal, index
}

// WriteGIF encodes g as an animated GIF.
func WriteGIF(w io.Writer, g *gif.GIF) error {
	if g == nil || len(g.Image) == 0 {
		return errors.New("render: WriteGIF: no frames")
	}
	return gif.EncodeAll(w, g)
}
