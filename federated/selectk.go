package federated

import "math"

// selectK reorders s so that s[k] is the value of rank k (0-based), s[:k] <= s[k] <= s[k+1:]:
// quickselect with a median-of-three pivot and insertion sort for short ranges. The values
// are finite (checked by checkUpdates), so < is a total order.
func selectK[T Float](s []T, k int) {
	lo, hi := 0, len(s)-1
	for hi-lo > 12 {
		mid := lo + (hi-lo)/2
		// Median of three to s[mid], then Hoare partition around it.
		if s[mid] < s[lo] {
			s[mid], s[lo] = s[lo], s[mid]
		}
		if s[hi] < s[lo] {
			s[hi], s[lo] = s[lo], s[hi]
		}
		if s[hi] < s[mid] {
			s[hi], s[mid] = s[mid], s[hi]
		}
		p := s[mid]
		i, j := lo, hi
		for i <= j {
			for s[i] < p {
				i++
			}
			for p < s[j] {
				j--
			}
			if i <= j {
				s[i], s[j] = s[j], s[i]
				i++
				j--
			}
		}
		// Now s[lo..j] <= p <= s[i..hi], and s[j+1..i-1] == p.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
	for a := lo + 1; a <= hi; a++ {
		for b := a; b > lo && s[b] < s[b-1]; b-- {
			s[b], s[b-1] = s[b-1], s[b]
		}
	}
}

// medianOf is the median of s (the mean of the middle two for even length), reordering s.
func medianOf[T Float](s []T) T {
	n := len(s)
	selectK(s, n/2)
	if n%2 == 1 {
		return s[n/2]
	}
	lower := s[0]
	for _, v := range s[:n/2] {
		lower = max(lower, v)
	}
	return T((float64(lower) + float64(s[n/2])) / 2)
}

// trimmedMeanOf is the mean of the values of rank b..len(s)−b−1, reordering s.
func trimmedMeanOf[T Float](s []T, b int) T {
	n := len(s)
	if b > 0 {
		selectK(s, b)
		selectK(s[b:], n-2*b-1)
	}
	return meanOf(s[b : n-b])
}

// meanNearestMedian is the mean of the k values of s closest to its median, the lower value
// first on equal distances — meanOf(nearestToMedian(sorted s, k)) — by selection instead of a
// sort. It reorders s and uses buf (len(s)) as scratch.
func meanNearestMedian[T Float](s []T, k int, buf []float64) T {
	n := len(s)
	selectK(s, n/2)
	med := float64(s[n/2])
	if n%2 == 0 {
		lower := s[0]
		for _, v := range s[:n/2] {
			lower = max(lower, v)
		}
		med = (float64(lower) + med) / 2
	}
	dist := buf[:n]
	for i, v := range s {
		dist[i] = math.Abs(float64(v) - med)
	}
	selectK(dist, k-1)
	t := dist[k-1] // the k-th smallest distance
	var sum float64
	taken, below := 0, 0
	for _, v := range s {
		switch d := math.Abs(float64(v) - med); {
		case d < t:
			sum += float64(v)
			taken++
		case d == t && float64(v) <= med:
			below++
		}
	}
	// The values at distance t lie below or above the median: the lower ones first.
	wantBelow := min(k-taken, below)
	wantAbove := k - taken - wantBelow
	for _, v := range s {
		if math.Abs(float64(v)-med) != t {
			continue
		}
		if float64(v) <= med {
			if wantBelow > 0 {
				sum += float64(v)
				wantBelow--
			}
		} else if wantAbove > 0 {
			sum += float64(v)
			wantAbove--
		}
	}
	return T(sum / float64(k))
}
