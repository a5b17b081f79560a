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
