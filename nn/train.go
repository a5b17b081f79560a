package nn

import (
	"context"
	"fmt"

	"mfn/rng"
)

// MSE is torch's MSELoss (mean reduction): the mean of (pred − target)² and its gradient
// 2·(pred − target)/N. The squares are summed in order, then divided by N.
func MSE[F Float](pred, target []F) (loss F, grad []F, err error) {
	if len(pred) != len(target) {
		return 0, nil, fmt.Errorf("prediction has %d values but target has %d: they must match", len(pred), len(target))
	}
	if len(pred) == 0 {
		return 0, nil, fmt.Errorf("mean squared error of an empty batch")
	}
	nf := F(len(pred))
	grad = make([]F, len(pred))
	var sum F
	for i, p := range pred {
		d := p - target[i]
		sum += F(d * d)
		grad[i] = F(2*d) / nf
	}
	return sum / nf, grad, nil
}

// TrainStep is the reference's train_step for 2-D inputs: zero the gradients, predict x
// (batch×InputDim, flat), take the mean squared error against y (batch values), back-
// propagate, let opt update the parameters, and return the loss computed BEFORE the update.
// opt must have been made from n.Params().
func (n *Network[F]) TrainStep(x, y []F, opt *Adam[F]) (F, error) {
	in := n.Config.InputDim
	if len(x)%in != 0 || len(x) == 0 {
		return 0, fmt.Errorf("input has %d values: want a positive multiple of input_dim=%d", len(x), in)
	}
	batch := len(x) / in
	if len(y) != batch {
		return 0, fmt.Errorf("target has %d values, want one per sample (%d)", len(y), batch)
	}
	n.ZeroGrad()
	pred, err := n.Forward(x, batch, 1)
	if err != nil {
		return 0, err
	}
	loss, grad, err := MSE(pred, y)
	if err != nil {
		return 0, err
	}
	if err := n.Backward(grad); err != nil {
		return 0, err
	}
	opt.Step()
	return loss, nil
}

// Permutation returns a uniformly random order of 0..n−1 (Fisher–Yates from the last
// position down, j = Integers(0, i+1)).
func Permutation(g *rng.Generator, n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := int(g.Integers(0, int64(i)+1))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// FitOptions describe a training run over a fixed dataset.
type FitOptions struct {
	Epochs, BatchSize int
	// Shuffle draws each epoch's order with Permutation; nil keeps the dataset's order.
	Shuffle *rng.Generator
	// Loader, when not nil, takes precedence over Shuffle: each epoch's order is torch's
	// DataLoader(shuffle=True) order drawn from this (global) torch generator
	// (TorchGenerator.DataLoaderEpoch).
	Loader *TorchGenerator
	// Context, when not nil, stops the run between steps with its error once it is done.
	Context context.Context
}

// Fit trains n with opt like the reference's DataLoader loop: every epoch visits the samples
// of x (rows of InputDim values) and y (one target each) in a fresh shuffled order, in
// mini-batches of BatchSize (the last, partial batch is kept), one TrainStep per batch. It
// returns every step's loss in order.
func (n *Network[F]) Fit(x, y []F, opt *Adam[F], o FitOptions) ([]F, error) {
	in := n.Config.InputDim
	if o.Epochs < 0 {
		return nil, fmt.Errorf("epochs=%d must be >= 0", o.Epochs)
	}
	if o.BatchSize < 1 {
		return nil, fmt.Errorf("batch_size=%d must be >= 1", o.BatchSize)
	}
	if len(x)%in != 0 || len(x)/in != len(y) {
		return nil, fmt.Errorf("dataset has %d input values and %d targets: want input_dim=%d values per target", len(x), len(y), in)
	}
	samples := len(y)
	if samples == 0 {
		return nil, fmt.Errorf("dataset is empty")
	}
	steps := (samples + o.BatchSize - 1) / o.BatchSize
	losses := make([]F, 0, min(o.Epochs, 1024)*steps)
	bx := make([]F, 0, min(o.BatchSize, samples)*in)
	by := make([]F, 0, min(o.BatchSize, samples))
	order := make([]int, samples)
	for i := range order {
		order[i] = i
	}
	for range o.Epochs {
		switch {
		case o.Loader != nil:
			var err error
			if order, err = o.Loader.DataLoaderEpoch(samples); err != nil {
				return losses, err
			}
		case o.Shuffle != nil:
			order = Permutation(o.Shuffle, samples)
		}
		for start := 0; start < samples; start += o.BatchSize {
			if o.Context != nil {
				if err := o.Context.Err(); err != nil {
					return losses, err
				}
			}
			bx, by = bx[:0], by[:0]
			for _, i := range order[start:min(start+o.BatchSize, samples)] {
				bx = append(bx, x[i*in:(i+1)*in]...)
				by = append(by, y[i])
			}
			loss, err := n.TrainStep(bx, by, opt)
			if err != nil {
				return losses, err
			}
			losses = append(losses, loss)
		}
	}
	return losses, nil
}
