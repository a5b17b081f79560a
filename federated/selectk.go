package federated

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
