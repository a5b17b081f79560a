package federated

// col16 holds one float32 per column of a 16-column block: torchSumCols runs torchSum's exact
// sequence of float32 additions on 16 columns in lockstep, so every column gets the bits
// torchSum would give it, without a call, a slice and a cleared accumulator per column.
type col16 [16]float32

func (a *col16) add(b *col16) {
	for c := range a {
		a[c] += b[c]
	}
}

// colAcc is rowSumCols' scratch: torchSum's [4][4·lanes] partial sums, per column.
type colAcc [4][4 * torchFloatLanes]col16

// torchSumCols returns torchSum of each column of x (x[t][c] is element t of column c).
func torchSumCols(x []col16, acc *colAcc) col16 {
	if len(x) < torchFloatLanes {
		return rowSumCols(x, len(x), 1, acc)[0]
	}
	nv := len(x) / torchFloatLanes
	lanes := rowSumCols(x, nv, torchFloatLanes, acc)
	var s col16
	for t := nv * torchFloatLanes; t < len(x); t++ {
		s.add(&x[t])
	}
	for l := range lanes {
		s.add(&lanes[l])
	}
	return s
}

// rowSumCols is rowSum per column.
func rowSumCols(x []col16, size, lanes int, acc *colAcc) []col16 {
	const ilp = 4
	rows := size / ilp
	p0 := acc[0][:lanes]
	if rows == 0 {
		clear(p0)
		for e := 0; e < size; e++ {
			for l := range p0 {
				p0[l].add(&x[e*lanes+l])
			}
		}
		return p0
	}
	multiRowSumCols(x, rows, ilp*lanes, acc)
	for e := rows * ilp; e < size; e++ {
		for l := range p0 {
			p0[l].add(&x[e*lanes+l])
		}
	}
	for c := 1; c < ilp; c++ {
		pc := acc[0][c*lanes : (c+1)*lanes]
		for l := range p0 {
			p0[l].add(&pc[l])
		}
	}
	return p0
}

// multiRowSumCols is multiRowSum per column.
func multiRowSumCols(x []col16, rows, width int, acc *colAcc) {
	const levels = 4
	power := max(4, ceilLog2(rows)/levels)
	step := 1 << power
	mask := step - 1
	for j := range acc {
		clear(acc[j][:width])
	}
	i := 0
	for i+step <= rows {
		for r := 0; r < step; r, i = r+1, i+1 {
			row := x[i*width : (i+1)*width]
			a := acc[0][:width]
			for c := range a {
				a[c].add(&row[c])
			}
		}
		for j := 1; j < levels; j++ {
			for c := 0; c < width; c++ {
				acc[j][c].add(&acc[j-1][c])
				acc[j-1][c] = col16{}
			}
			if i&(mask<<(j*power)) != 0 {
				break
			}
		}
	}
	for ; i < rows; i++ {
		row := x[i*width : (i+1)*width]
		a := acc[0][:width]
		for c := range a {
			a[c].add(&row[c])
		}
	}
	for j := 1; j < levels; j++ {
		for c := 0; c < width; c++ {
			acc[0][c].add(&acc[j][c])
		}
	}
}
