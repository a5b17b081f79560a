package field

// Two steps per sweep. At large grids the field-only step is bound by memory traffic (read
// one grid, write another). When nothing needs the intermediate field — no jitter noise, no
// per-step frame — two steps are fused into one sweep over the rows: each band of rows keeps
// the intermediate rows it needs in a three-row ring, so the grid is read and written once
// per two steps. Every cell is computed by the same diffuseRow, so no bit changes; the rows
// at band edges are computed twice (once by each neighbour band), deterministically. When a
// history or a per-step callback needs the intermediate field, each band also writes its
// own intermediate rows to midOut (before the second step's spike is added).

// upRow and downRow are the neighbour row indices under the boundary condition, or −1 for
// Dirichlet's zero row outside the grid.
func (k *kernel) upRow(r int) int {
	switch {
	case r > 0:
		return r - 1
	case k.bc == Periodic:
		return k.n - 1
	case k.bc == Neumann:
		return 0
	}
	return -1
}

func (k *kernel) downRow(r int) int {
	switch {
	case r < k.n-1:
		return r + 1
	case k.bc == Periodic:
		return 0
	case k.bc == Neumann:
		return k.n - 1
	}
	return -1
}

// diffuse2 advances the field two steps. The first step's spike has already been added (as
// the patch row); second, if not nil, is the spike of the second step, added to the
// intermediate field before it diffuses. It returns the counts of both steps together.
func (k *kernel) diffuse2(workers int, second *Spike) stepCounts {
	if len(k.ring) < workers {
		k.ring = make([][]float64, workers)
		for w := range k.ring {
			k.ring[w] = make([]float64, 3*k.n)
		}
	}
	k.prepareDiffuse()
	cnt := k.parallel(workers, func(w, r0, r1 int) stepCounts {
		var c stepCounts
		k.band2(w, r0, r1, second, k.ring[w], &c)
		return c
	})
	k.v.swap()
	k.patchRow = -1
	return cnt
}

// band2 computes rows [r0, r1) of the field two steps ahead.
func (k *kernel) band2(w, r0, r1 int, second *Spike, ring []float64, c *stepCounts) {
	if r0 >= r1 {
		return
	}
	n := k.n
	slot := func(i int) []float64 { return ring[(i%3)*n : (i%3)*n+n] }
	var halo stepCounts // counts of rows computed again for a neighbour band; discarded
	// mid computes row idx of the intermediate field into buf.
	mid := func(idx int, buf []float64, cnt *stepCounts) {
		up, down := k.fieldNeighbours(idx)
		k.rowStep(w, buf, up, k.fieldRow(idx), down, nil, cnt)
		if k.midOut != nil && cnt != &halo {
			copy(k.midOut[idx*n:idx*n+n], buf) // this band's row of the intermediate field
		}
		if second != nil && second.Row == idx {
			buf[second.Col] += second.Magnitude
		}
	}
	// Rows of the intermediate field by index, as the sweep needs them: the ring holds the
	// rows above, at and below r.
	upIdx := k.upRow(r0)
	var prev []float64
	switch {
	case upIdx < 0:
		prev = k.zero
	case upIdx != r0:
		prev = slot(2)
		mid(upIdx, prev, &halo)
	}
	cur := slot(0)
	mid(r0, cur, c)
	if upIdx == r0 {
		prev = cur
	}
	for r := r0; r < r1; r++ {
		downIdx := k.downRow(r)
		var next []float64
		switch {
		case downIdx < 0:
			next = k.zero
		case downIdx == r:
			next = cur
		default:
			next = slot(r - r0 + 1)
			if r+1 < r1 {
				mid(downIdx, next, c)
			} else {
				mid(downIdx, next, &halo)
			}
		}
		k.rowStep(w, k.v.next[r*n:r*n+n], prev, cur, next, nil, c)
		prev, cur = cur, next
	}
}

// pair runs steps t and t+1 in one sweep: the growth draws of both, the sweep, the checks,
// then the two frames (the intermediate one from midOut).
func (st *stepper) pair(t int) error {
	k := st.k
	if first, ok := st.drawSpike(t); ok {
		k.addSpike(first)
	}
	second, ok := st.drawSpike(t + 1)
	var sp *Spike
	if ok {
		sp = &second
	}
	k.midOut = nil
	if st.history != nil {
		k.midOut = st.historyFrame(t)
	} else if st.frame != nil {
		if len(k.mid) != len(k.v.cur) {
			k.mid = make([]float64, len(k.v.cur))
		}
		k.midOut = k.mid
	}
	st.target(t + 1)
	c := k.diffuse2(k.workers, sp)
	st.total.add(c)
	if st.checkStability {
		if err := st.stable(t, c); err != nil {
			return err
		}
	}
	if st.frame != nil {
		if err := st.frame(t, k.midOut); err != nil {
			return err
		}
		return st.frame(t+1, k.v.cur)
	}
	return nil
}

// historyFrame is the history's frame of step s.
func (st *stepper) historyFrame(s int) []float64 {
	nn := st.k.n * st.k.n
	return st.history[s*nn : (s+1)*nn : (s+1)*nn]
}

// target points the kernel's output at the history's frame of step s when there is a history
// (the kernel writes there; v.next otherwise alternates with v.cur).
func (st *stepper) target(s int) {
	if st.history != nil {
		st.k.v.next = st.historyFrame(s)
	}
}

// deepSteps is the number of steps per sweep of the deep temporal blocking, used from
// deepFrom on (tests lower it): each band keeps deepSteps−1 rings of three rows, one per
// intermediate step, so the grid is read and written once per deepSteps steps.
const deepSteps = 4

var deepFrom = 1024

// deepOK says whether the field-only steps from now on may run deepSteps per sweep: a large
// grid, and bands whose windows (the band and deepSteps−1 rows either side) do not wrap onto
// themselves.
func (k *kernel) deepOK(workers int) bool {
	per := (k.n + workers - 1) / workers
	return k.n >= deepFrom && per+2*(deepSteps-1) <= k.n && k.n >= 2
}

// diffuseDeep advances the field deepSteps steps in one sweep. The first step's spike has
// already been added (the patch row); spikes[j−1], if not nil, is the spike of step j (1 …
// deepSteps−1), added to the field after step j−1 before it diffuses. It returns the counts
// of all the steps together.
func (k *kernel) diffuseDeep(workers int, spikes *[deepSteps - 1]*Spike) stepCounts {
	if len(k.deep) < workers {
		k.deep = make([][]float64, workers)
		for w := range k.deep {
			k.deep[w] = make([]float64, (deepSteps-1)*3*k.n)
		}
	}
	k.prepareDiffuse()
	cnt := k.parallel(workers, func(w, r0, r1 int) stepCounts {
		var c stepCounts
		k.bandDeep(w, r0, r1, spikes, k.deep[w], &c)
		return c
	})
	k.v.swap()
	k.patchRow = -1
	return cnt
}

// bandDeep computes rows [r0, r1) of the field deepSteps steps ahead as a wavefront: row i of
// level 1 (the field after the first step), then row i−1 of level 2, …, row i−deepSteps+1 of
// the last level, into v.next. Rows are virtual indices: on a periodic grid they wrap, on the
// others the windows stop at the grid's edge and the boundary supplies the missing neighbour.
// Rows outside [r0, r1) are the neighbour bands' and are counted apart (discarded).
func (k *kernel) bandDeep(w, r0, r1 int, spikes *[deepSteps - 1]*Spike, rings []float64, c *stepCounts) {
	if r0 >= r1 {
		return
	}
	n, T := k.n, deepSteps
	periodic := k.bc == Periodic
	wrap := func(v int) int {
		if periodic {
			return ((v % n) + n) % n
		}
		return v
	}
	slot := func(j, v int) []float64 { // level j ≥ 1, row v
		off := ((j-1)*3 + ((v%3)+3)%3) * n
		return rings[off : off+n]
	}
	row := func(j, v int) []float64 {
		if j == 0 {
			return k.fieldRow(wrap(v))
		}
		return slot(j, v)
	}
	// The rows of level j−1 around row v of level j.
	around := func(j, v int) (up, down []float64) {
		switch {
		case periodic || (v > 0 && v < n-1):
			return row(j-1, v-1), row(j-1, v+1)
		}
		edge := func(inside int) []float64 {
			if k.bc == Neumann {
				return row(j-1, inside)
			}
			return k.zero
		}
		up, down = edge(v), edge(v)
		if v > 0 {
			up = row(j-1, v-1)
		}
		if v < n-1 {
			down = row(j-1, v+1)
		}
		if n == 1 {
			up, down = edge(0), edge(0)
		}
		return up, down
	}
	window := func(j int) (lo, hi int) {
		lo, hi = r0-(T-j), r1+(T-j)
		if !periodic {
			lo, hi = max(lo, 0), min(hi, n)
		}
		return lo, hi
	}
	var halo stepCounts
	lo1, hi1 := window(1)
	for i := lo1; i < hi1+T-1; i++ {
		for j := 1; j <= T; j++ {
			v := i - (j - 1)
			if lo, hi := window(j); v < lo || v >= hi {
				continue
			}
			up, down := around(j, v)
			cnt := &halo
			if v >= r0 && v < r1 {
				cnt = c
			}
			var out []float64
			if j == T {
				out = k.v.next[v*n : v*n+n]
			} else {
				out = slot(j, v)
			}
			k.rowStep(w, out, up, row(j-1, v), down, nil, cnt)
			if j < T {
				if sp := spikes[j-1]; sp != nil && sp.Row == wrap(v) {
					out[sp.Col] += sp.Magnitude
				}
			}
		}
	}
}

// deep runs steps t … t+deepSteps−1 in one sweep: the growth draws of all of them in step
// order, the sweep, the check.
func (st *stepper) deep(t int) error {
	k := st.k
	if first, ok := st.drawSpike(t); ok {
		k.addSpike(first)
	}
	var spikes [deepSteps - 1]*Spike
	for j := range spikes {
		if sp, ok := st.drawSpike(t + 1 + j); ok {
			spikes[j] = &sp
		}
	}
	c := k.diffuseDeep(k.workers, &spikes)
	st.total.add(c)
	if st.checkStability {
		return st.stable(t, c)
	}
	return nil
}
