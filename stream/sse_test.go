package stream

import (
	"bufio"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

type event struct{ id, typ, data string }

// readEvents reads n events (and the retry hint) from an SSE response.
func readEvents(t *testing.T, url, lastID string, n int) (retry string, evs []event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	var cur event
	for sc.Scan() && len(evs) < n {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "retry: "):
			retry = strings.TrimPrefix(line, "retry: ")
		case strings.HasPrefix(line, "id: "):
			cur.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			cur.typ = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		case line == "" && cur.typ != "":
			evs = append(evs, cur)
			cur = event{}
		}
	}
	return retry, evs
}

var timestamps = regexp.MustCompile(`"timestamp":\d+`)

// SSE events carry ids and a retry hint; resuming from Last-Event-ID gives the same events
// as the uninterrupted stream (timestamps aside), for both streams.
func TestSSEResume(t *testing.T) {
	_, srv, _ := testHub(t, Options{})
	for _, tc := range []struct{ path string }{
		{"/sse/simulation_live?steps=12&update_interval_steps=2&seed=7&stream_id=r"},
		{"/sse/stream_features?update_interval_ms=10"},
	} {
		retry, all := readEvents(t, srv.URL+tc.path, "", 7)
		if retry != "2000" || len(all) != 7 {
			t.Fatalf("%s: retry %q, %d events", tc.path, retry, len(all))
		}
		_, rest := readEvents(t, srv.URL+tc.path, all[2].id, 4)
		for i, e := range rest {
			want := all[3+i]
			if e.id != want.id || e.typ != want.typ || timestamps.ReplaceAllString(e.data, "") != timestamps.ReplaceAllString(want.data, "") {
				t.Fatalf("%s: resumed event %d = %+v, want %+v", tc.path, i, e, want)
			}
		}
	}
	_, sim := readEvents(t, srv.URL+"/sse/simulation_live?steps=3", "", 4)
	if sim[3].typ != "simulation_complete" || sim[3].id != "4" || sim[0].id != "1" {
		t.Fatalf("simulation events %+v", sim)
	}
}

// Bad query parameters and Last-Event-ID are refused before the stream starts.
func TestSSEBadInput(t *testing.T) {
	_, srv, _ := testHub(t, Options{})
	for _, tc := range []struct{ path, lastID, want string }{
		{"/sse/simulation_live?grid_size=1000", "", "grid_size=1000: must be an integer in [8, 256]"},
		{"/sse/simulation_live?alpha=0.3", "", "alpha"},
		{"/sse/stream_features?update_interval_ms=5", "", "update_interval_ms=5"},
		{"/sse/stream_features", "x", "Last-Event-ID=x"},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		if tc.lastID != "" {
			req.Header.Set("Last-Event-ID", tc.lastID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 512)
		n, _ := resp.Body.Read(b)
		resp.Body.Close()
		if resp.StatusCode != 422 || !strings.Contains(string(b[:n]), tc.want) {
			t.Errorf("%s: %d %q, want 422 mentioning %q", tc.path, resp.StatusCode, b[:n], tc.want)
		}
	}
}
