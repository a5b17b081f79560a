package conformance

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"mfn/npexact"
)

// boxKeyRE matches the table keys "min_box,max_box,num_scales".
var boxKeyRE = regexp.MustCompile(`^\d+,\d+,\d+$`)

func init() {
	Register(Checker{Kind: "box_sizes", Detect: detectBoxSizes, Check: checkBoxSizes})
}

func detectBoxSizes(_ string, top map[string]json.RawMessage) bool {
	raw, ok := top["table"]
	if !ok {
		return false
	}
	var table map[string]json.RawMessage
	if json.Unmarshal(raw, &table) != nil || len(table) == 0 {
		return false
	}
	for k := range table {
		return boxKeyRE.MatchString(k)
	}
	return false
}

// checkBoxSizes requires every table entry to equal npexact.BoxSizes exactly.
func checkBoxSizes(top map[string]json.RawMessage, r *Recorder) error {
	var table map[string][]int
	if err := json.Unmarshal(top["table"], &table); err != nil {
		return err
	}
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r.Case("table "+k, checkBoxEntry(k, table[k]))
	}
	return nil
}

func checkBoxEntry(key string, want []int) error {
	var v [3]int
	for i, f := range strings.Split(key, ",") {
		n, err := strconv.Atoi(f)
		if err != nil || i > 2 {
			return fmt.Errorf("bad key %q", key)
		}
		v[i] = n
	}
	got := npexact.BoxSizes(v[0], v[1], v[2])
	if !slices.Equal(got, want) {
		return fmt.Errorf("BoxSizes(%d, %d, %d) = %v, want %v", v[0], v[1], v[2], got, want)
	}
	return nil
}
