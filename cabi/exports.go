//go:build cgo

package main

/*
#include <stdint.h>
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"unsafe"

	"mfn/federated"
	"mfn/field"
	"mfn/fractal"
	"mfn/nn"
)

// Every export returns NULL on success or an error message the caller frees with mfn_free;
// a panic is recovered into such a message, so nothing the caller passes can kill the
// interpreter that loaded the library.

func recoverInto(e **C.char) {
	if r := recover(); r != nil {
		*e = C.CString(fmt.Sprintf("internal error in libmfn: %v", r))
	}
}

func cerr(err error) *C.char {
	if err == nil {
		return nil
	}
	return C.CString(err.Error())
}

func f64s(p *C.double, n C.int64_t) []float64 {
	if p == nil || n <= 0 {
		return nil
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(p)), int(n))
}

func f32s(p *C.float, n C.int64_t) []float32 {
	if p == nil || n <= 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(p)), int(n))
}

func u64s(p *C.uint64_t, n int) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(p)), n)
}

func bytesOf(p *C.char) []byte {
	if p == nil {
		return nil
	}
	return []byte(C.GoString(p))
}

func setJSON(out **C.char, b []byte) {
	if out != nil {
		*out = C.CString(string(b))
	}
}

//export mfn_free
func mfn_free(p *C.char) { C.free(unsafe.Pointer(p)) }

//export mfn_abi_version
func mfn_abi_version() C.int64_t { return 1 }

//export mfn_data_address
func mfn_data_address(p *C.double, n C.int64_t) C.uint64_t {
	// The address of the first value as Go sees the caller's array: equal to numpy's data
	// pointer when the input is read in place (the zero-copy test compares them).
	s := f64s(p, n)
	if len(s) == 0 {
		return 0
	}
	return C.uint64_t(uintptr(unsafe.Pointer(&s[0])))
}

//export mfn_simulate_legacy
func mfn_simulate_legacy(state *C.uint64_t, gridSize, steps C.int64_t, alpha, spikeProb C.double,
	turing C.int, turingThreshold C.double, jitter C.int, jitterVar C.double,
	out *C.double, outLen C.int64_t, growth *C.int64_t) (e *C.char) {
	defer recoverInto(&e)
	p := field.LegacyParams{GridSize: int(gridSize), Steps: int(steps), Alpha: float64(alpha),
		SpikeProbability: float64(spikeProb), TuringEnabled: turing != 0,
		TuringThreshold: float64(turingThreshold), QuantumJitter: jitter != 0, JitterVar: float64(jitterVar)}
	g, err := simulateLegacy(u64s(state, stateWords), p, f64s(out, outLen))
	*growth = C.int64_t(g)
	return cerr(err)
}

//export mfn_run_simulation
func mfn_run_simulation(cfg *C.char, withHistory C.int, out *C.double, outLen C.int64_t,
	hist *C.double, histLen C.int64_t, meta **C.char) (e *C.char) {
	defer recoverInto(&e)
	b, err := runSimulation(bytesOf(cfg), withHistory != 0, f64s(out, outLen), f64s(hist, histLen))
	if err == nil {
		setJSON(meta, b)
	}
	return cerr(err)
}

//export mfn_features
func mfn_features(hist *C.double, frames, n C.int64_t, cfg *C.char, out *C.double) (e *C.char) {
	defer recoverInto(&e)
	return cerr(computeFeatures(f64s(hist, frames*n*n), int(frames), int(n), bytesOf(cfg), f64s(out, 18)))
}

//export mfn_box_dimension
func mfn_box_dimension(mask *C.uint8_t, n, minBox, maxBox, numScales C.int64_t, withR2 C.int,
	d, r2 *C.double) (e *C.char) {
	defer recoverInto(&e)
	var m []bool
	if mask != nil && n > 0 {
		// numpy bool is one byte holding 0 or 1, as Go's bool: read in place.
		m = unsafe.Slice((*bool)(unsafe.Pointer(mask)), int(n*n))
	}
	opts := fractal.BoxOptions{MinBox: int(minBox), MaxBox: int(maxBox), NumScales: int(numScales)}
	var rp *float64
	var r float64
	if withR2 != 0 {
		rp = &r
	}
	v, err := boxDimension(m, int(n), opts, rp)
	*d, *r2 = C.double(v), C.double(r)
	return cerr(err)
}

//export mfn_threshold_dimension
func mfn_threshold_dimension(fieldp *C.double, n C.int64_t, threshold C.double, numScales C.int64_t, d *C.double) (e *C.char) {
	defer recoverInto(&e)
	v, err := fractal.ThresholdDimension(f64s(fieldp, n*n), int(n), float64(threshold), int(numScales))
	*d = C.double(v)
	return cerr(err)
}

//export mfn_ifs
func mfn_ifs(state *C.uint64_t, numPoints, numTransforms C.int64_t, out *C.double, outLen C.int64_t,
	lyap *C.double) (e *C.char) {
	defer recoverInto(&e)
	l, err := generateIFS(u64s(state, stateWords), int(numPoints), int(numTransforms), f64s(out, outLen))
	*lyap = C.double(l)
	return cerr(err)
}

//export mfn_stability
func mfn_stability(hist *C.double, frames, cells C.int64_t, dt C.double, out *C.double) (e *C.char) {
	defer recoverInto(&e)
	return cerr(stabilityMetrics(f64s(hist, frames*cells), int(frames), int(cells), float64(dt), f64s(out, 5)))
}

//export mfn_nernst
func mfn_nernst(z C.int64_t, cOut, cIn, tempK C.double, out *C.double) (e *C.char) {
	defer recoverInto(&e)
	v, err := computeNernst(int(z), float64(cOut), float64(cIn), float64(tempK))
	*out = C.double(v)
	return cerr(err)
}

//export mfn_krum_aggregate
func mfn_krum_aggregate(grads *C.float, n, dim, numClusters C.int64_t, byzantine, sample C.double,
	state *C.uint64_t, out *C.float, trace **C.char) (e *C.char) {
	defer recoverInto(&e)
	a := federated.Aggregator{NumClusters: int(numClusters), ByzantineFraction: float64(byzantine),
		SampleFraction: float64(sample)}
	b, err := krumAggregate(a, f32s(grads, n*dim), int(n), int(dim), u64s(state, stateWords), f32s(out, dim))
	if err == nil {
		setJSON(trace, b)
	}
	return cerr(err)
}

//export mfn_krum_select
func mfn_krum_select(grads *C.float, n, dim, numByzantine C.int64_t, idx *C.int64_t) (e *C.char) {
	defer recoverInto(&e)
	g, err := gradients(f32s(grads, n*dim), int(n), int(dim))
	if err != nil {
		return cerr(err)
	}
	i, err := federated.KrumSelect(g, int(numByzantine))
	*idx = C.int64_t(i)
	return cerr(err)
}

//export mfn_validation
func mfn_validation(seed, epochs, batchSize, gridSize, steps C.int64_t, turing, jitter, attention, stdp C.int,
	out *C.double) (e *C.char) {
	defer recoverInto(&e)
	cfg := nn.ValidationConfig{Seed: int64(seed), Epochs: int(epochs), BatchSize: int(batchSize),
		GridSize: int(gridSize), Steps: int(steps), TuringEnabled: turing != 0, QuantumJitter: jitter != 0,
		UseSparseAttention: attention != 0, UseSTDP: stdp != 0}
	return cerr(runValidation(cfg, f64s(out, 12)))
}

//export mfn_generate_dataset
func mfn_generate_dataset(sampler *C.char, num C.int64_t, featureCfg *C.char, workers C.int64_t,
	parquetPath *C.char, table **C.char) (e *C.char) {
	defer recoverInto(&e)
	path := ""
	if parquetPath != nil {
		path = C.GoString(parquetPath)
	}
	b, err := generateDataset(bytesOf(sampler), int(num), bytesOf(featureCfg), int(workers), path)
	if err == nil {
		setJSON(table, b)
	}
	return cerr(err)
}

//export mfn_preset
func mfn_preset(name *C.char, out **C.char) (e *C.char) {
	defer recoverInto(&e)
	b, err := presetScenario(C.GoString(name))
	if err == nil {
		setJSON(out, b)
	}
	return cerr(err)
}

//export mfn_run_scenario
func mfn_run_scenario(scenario, path, format *C.char, workers C.int64_t, meta **C.char) (e *C.char) {
	defer recoverInto(&e)
	b, err := runScenario(bytesOf(scenario), C.GoString(path), C.GoString(format), int(workers))
	if err == nil {
		setJSON(meta, b)
	}
	return cerr(err)
}

//export mfn_morph
func mfn_morph(op C.int, request *C.char, out, act, inh *C.double, n2 C.int64_t, hist *C.double, histLen C.int64_t,
	result **C.char) (e *C.char) {
	// op 0: the resolved configuration; 1: run; 2: stability analysis; 3: the presets.
	defer recoverInto(&e)
	var b []byte
	var err error
	switch op {
	case 0:
		b, err = morphConfigJSON(bytesOf(request))
	case 1:
		var h []float64
		if hist != nil {
			h = f64s(hist, histLen)
		}
		b, err = runMorph(bytesOf(request), f64s(out, n2), f64s(act, n2), f64s(inh, n2), h)
	case 2:
		b, err = analyzeMorph(bytesOf(request))
	case 3:
		b, err = morphPresets()
	default:
		err = fmt.Errorf("internal: unknown morph operation %d", int(op))
	}
	if err == nil {
		setJSON(result, b)
	}
	return cerr(err)
}
