package integration

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

const testTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// TestRecordKeepsTheTrace: a spooled message keeps its traceparent; one without a trace is
// framed as before traces existed (the top bit of seq clear), so older spools still read.
func TestRecordKeepsTheTrace(t *testing.T) {
	now := time.Unix(1700000000, 5).UTC()
	for _, m := range []Message{{Key: "k", Value: []byte(`{"a":1}`), Time: now, Trace: testTrace},
		{Key: "k2", Value: []byte(`[]`), Time: now}} {
		b := appendRecord(nil, 7, m)
		r, err := decodeRecord(b)
		if err != nil || r.seq != 7 || r.msg.Key != m.Key || string(r.msg.Value) != string(m.Value) || r.msg.Trace != m.Trace || !r.msg.Time.Equal(now) {
			t.Errorf("%+v: decoded %+v, %v", m, r, err)
		}
		if flagged := b[recordHeader+7]&0x80 != 0; flagged != (m.Trace != "") {
			t.Errorf("%+v: trace flag %v", m, flagged)
		}
	}
}

// TestWebhookSendsTheTrace and the REST source reads it: the traceparent crosses HTTP.
func TestWebhookAndRESTSourceCarryTheTrace(t *testing.T) {
	got := make(chan string, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get(TraceHeader)
	}))
	defer hook.Close()
	sink, err := NewWebhookSink(WebhookConfig{URL: hook.URL, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	if err := sink.Send(context.Background(), []Message{{Key: "a", Value: []byte(`{}`)}, {Key: "b", Value: []byte(`{}`), Trace: testTrace}}); err != nil {
		t.Fatal(err)
	}
	if tp := <-got; tp != testTrace {
		t.Errorf("webhook traceparent %q, want %q", tp, testTrace)
	}

	for header, want := range map[string]string{testTrace: testTrace, "garbage": ""} {
		poll := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(TraceHeader, header)
			_, _ = w.Write([]byte(`[{"seed":1},{"seed":2}]`))
		}))
		src, err := NewRESTSource(RESTSourceConfig{URL: poll.URL})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := src.Poll(context.Background())
		if err != nil || len(ds) != 2 || ds[0].Trace != want || ds[1].Trace != want {
			t.Errorf("traceparent %q: deliveries %+v, %v; want trace %q", header, ds, err, want)
		}
		_ = src.Close()
		poll.Close()
	}
}

// FuzzTraceHeader: a traceparent read from outside (Kafka header, poll response) is kept
// only when valid, and a kept one round-trips through a context unchanged.
func FuzzTraceHeader(f *testing.F) {
	for _, s := range []string{testTrace, "", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
		"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", testTrace + "-extra"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := validTrace(s)
		if v != "" && v != s {
			t.Fatalf("validTrace(%q) = %q", s, v)
		}
		if v != "" {
			if got := TraceOf(ContextWithTrace(context.Background(), v)); got == "" {
				t.Fatalf("%q: accepted but lost through a context", v)
			}
		}
	})
}
