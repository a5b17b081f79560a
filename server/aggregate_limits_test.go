package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gradientsBody is an aggregate request of n gradients of d small numbers.
func gradientsBody(n, d int, extra string) string {
	var b strings.Builder
	b.WriteString(`{"gradients":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for j := range d {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%d", (i*7+j*3)%10)
		}
		b.WriteByte(']')
	}
	b.WriteString("]" + extra + "}")
	return b.String()
}

// heapPeak samples the heap in use until stop is closed and returns the highest value seen
// above the starting one.
func heapPeak(stop <-chan struct{}) func() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > base && ms.HeapInuse-base > peak.Load() {
				peak.Store(ms.HeapInuse - base)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { wg.Wait(); return peak.Load() }
}

// The attack of issue 18: 100,000 gradients × 10 with num_clusters=1 put 10,000 clients in one
// Krum (a 10,000² distance matrix, 1.2 GB). The cost model refuses it before any work, naming
// the parameter and the limit, and the heap stays far below that.
func TestAggregateCostModelRefusesHugeKrum(t *testing.T) {
	app, _ := testApp(t, map[string]string{"MFN_MAX_BODY_BYTES": "8000000"})
	body := gradientsBody(100_000, 10, `,"num_clusters":1`)
	stop := make(chan struct{})
	peak := heapPeak(stop)
	start := time.Now()
	rec := call(app.Handler(), "POST", "/federated/aggregate", body)
	el := time.Since(start)
	close(stop)
	p := peak()
	t.Logf("100,000×10, num_clusters=1: %d in %v, heap peak +%.1f MB: %.300s", rec.Code, el, float64(p)/1e6, rec.Body.String())
	if rec.Code != 422 && rec.Code != 413 {
		t.Fatalf("status %d, want 413 or 422: %.300s", rec.Code, rec.Body.String())
	}
	if !strings.Contains(rec.Body.String(), "num_clusters") || !strings.Contains(rec.Body.String(), "MFN_AGGREGATE_MAX_BYTES") {
		t.Errorf("the refusal should name num_clusters and the limit: %s", rec.Body.String())
	}
	if p > 200<<20 {
		t.Errorf("heap grew by %.0f MB answering a refused request", float64(p)/1e6)
	}
}

// When the request ends (the handler timeout, or the client leaving), the aggregation stops
// and frees the worker at once (issue 18: the Krum kept the only worker busy for seconds
// after the 503, so the next small request timed out too).
func TestAggregateCancellationFreesTheWorker(t *testing.T) {
	app, _ := testApp(t, map[string]string{"MFN_WORKERS": "1", "MFN_MAX_BODY_BYTES": "8000000"})
	// 30,000 clients are sampled down to 3,000, all in one cluster: seconds of Krum (under
	// the race detector 10,000 down to 1,000, which it slows to seconds).
	body := gradientsBody(30_000, 60, `,"num_clusters":1`)
	if raceEnabled {
		body = gradientsBody(10_000, 60, `,"num_clusters":1`)
	}
	run := func(cancelAfter time.Duration) (status int, workerFreeAfterCancel time.Duration) {
		for app.pool.Running() != 0 { // the previous run's job may not have returned yet
			time.Sleep(time.Millisecond)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req := httptest.NewRequest("POST", "/federated/aggregate", strings.NewReader(body)).WithContext(ctx)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { app.Handler().ServeHTTP(rec, req); close(done) }()
		for app.pool.Running() == 0 {
			time.Sleep(time.Millisecond)
		}
		if cancelAfter == 0 {
			<-done
			return rec.Code, 0
		}
		time.Sleep(cancelAfter)
		cancel()
		at := time.Now()
		<-done
		for app.pool.Running() != 0 {
			time.Sleep(time.Millisecond)
		}
		return rec.Code, time.Since(at)
	}
	start := time.Now()
	if code, _ := run(0); code != 200 {
		t.Fatalf("the whole aggregation: %d", code)
	}
	whole := time.Since(start)
	code, free := run(whole / 10)
	t.Logf("whole aggregation %v; cancelled after %v, the worker was free %v later", whole, whole/10, free)
	if code != 503 {
		t.Errorf("cancelled aggregation answered %d", code)
	}
	if free > whole/10 {
		t.Errorf("the worker stayed busy %v after the cancellation (the whole run takes %v)", free, whole)
	}
}

// Concurrent aggregations share one memory budget: with room for one at a time they wait
// for each other instead of all holding their matrices at once, and all succeed.
func TestAggregateMemoryBudgetIsShared(t *testing.T) {
	app, _ := testApp(t, map[string]string{"MFN_WORKERS": "4", "MFN_AGGREGATE_MEMORY": "33554432",
		"MFN_AGGREGATE_MAX_BYTES": "33554432"})
	body := gradientsBody(600, 1000, `,"num_clusters":1`)
	if raceEnabled {
		body = gradientsBody(300, 1000, `,"num_clusters":1`)
	}
	budget := app.memory
	stop := make(chan struct{})
	var peak atomic.Int64
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if v := budget.InUse(); v > peak.Load() {
				peak.Store(v)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Go(func() { codes[i] = call(app.Handler(), "POST", "/federated/aggregate", body).Code })
	}
	wg.Wait()
	close(stop)
	for i, c := range codes {
		if c != 200 {
			t.Errorf("request %d: %d", i, c)
		}
	}
	if p := peak.Load(); p == 0 || p > budget.Total() {
		t.Errorf("memory in use peaked at %d bytes, budget %d", p, budget.Total())
	}
	if budget.InUse() != 0 {
		t.Errorf("%d bytes still reserved after the requests", budget.InUse())
	}
}

// {"gradients":[[]]} has nothing to aggregate: a 422 like [] is a 400, not an empty 200.
func TestAggregateEmptyRowsRefused(t *testing.T) {
	app, _ := testApp(t, nil)
	for _, body := range []string{`{"gradients":[[]]}`, `{"gradients":[[],[]]}`} {
		rec := call(app.Handler(), "POST", "/federated/aggregate", body)
		if is := issues(t, rec); is[0].Type != "too_short" || is[0].Loc[1] != "gradients" {
			t.Errorf("%s: %s", body, rec.Body.String())
		}
	}
}

// FuzzGradientRows: the row-by-row decoder agrees with encoding/json on every list of lists
// of numbers that fit the bounds, and never panics on anything else.
func FuzzGradientRows(f *testing.F) {
	for _, s := range []string{`[[1,2],[3,4]]`, `[]`, `[[]]`, ` [ [ 1 ] , [ 2 ] ] `, `[[1e39]]`, `[[1],[1,2]]`, `[[-0,5e-324]]`,
		`[[1,"2"]]`, `[[1],{}]`, `[1]`, `[[[1]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		fm := &form{}
		got, done := fm.gradientRows("gradients", b)
		var want [][]float64
		if json.Unmarshal(b, &want) != nil || want == nil || bytes.Contains(b, []byte("null")) {
			return
		}
		if !done {
			t.Fatalf("%s: the fast path gave up on a list of lists of numbers", b)
		}
		if fm.failed() {
			return // bounds, ragged rows, float32 range: reported as issues
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d rows, want %d", b, len(got), len(want))
		}
		for i := range want {
			if len(got[i]) != len(want[i]) {
				t.Fatalf("%s: row %d has %d elements, want %d", b, i, len(got[i]), len(want[i]))
			}
			for j, v := range want[i] {
				if got[i][j] != float32(v) {
					t.Fatalf("%s: [%d][%d] = %v, want %v", b, i, j, got[i][j], float32(v))
				}
			}
		}
	})
}
