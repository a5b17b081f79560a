package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds a browser: $CHROME_PATH, chromium or chromium-browser.
func chromium() string {
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// The /ui page in a real (headless) browser: start a run, the heatmap gets painted and the
// frame counter advances; pause and stop work.
func TestUIInBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" && os.Getenv("CI") == "true" {
		t.Fatal("no chromium found, and CI=true: CI must run the browser test (.ci/steps/10-browser.sh installs chromium)")
	}
	if bin == "" {
		t.Skip("no chromium found (set CHROME_PATH, or install Debian's chromium): skipping the browser test")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	app, _ := testApp(t, map[string]string{"MFN_STREAM_MIN_FRAME_INTERVAL": "5ms"})
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()

	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true)}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()

	step := func(what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if _, err := chromedp.Run(ctx, a); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string) any {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	step("open /ui", chromedp.Navigate(srv.URL+"/ui"))
	step("page ready", chromedp.WaitVisible(chromedp.ID("start")))
	for id, v := range map[string]string{"steps": "1000", "grid_size": "96", "update_interval_ms": "20", "api_key": devAPIKey} {
		step("set "+id, chromedp.SetValue(chromedp.ID(id), v))
	}
	step("start", chromedp.Click(chromedp.ID("start")))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.mfn.frames >= 5`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("no 5 frames: %v (status %v)", err, eval(`document.getElementById("status").textContent`))
	}
	frames1 := eval(`window.mfn.frames`).(float64)
	// Painted: some pixel of the heatmap is neither transparent nor white.
	painted := eval(`(() => { const c = document.getElementById("heatmap");
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		for (let i = 0; i < d.length; i += 4) if (d[i+3] && (d[i] < 250 || d[i+1] < 250 || d[i+2] < 250)) return true;
		return false; })()`)
	if painted != true {
		t.Error("the heatmap canvas was not painted")
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`window.mfn.frames > %v`, frames1), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("frames did not advance past %v: %v", frames1, err)
	}
	if eval(`window.mfn.series.step[1] > window.mfn.series.step[0] && window.mfn.series.growth.length > 1`) != true {
		t.Error("the plotted steps do not advance")
	}
	step("pause", chromedp.Click(chromedp.ID("pause")))
	if eval(`window.mfn.paused`) != true {
		t.Error("pause did not pause")
	}
	step("stop", chromedp.Click(chromedp.ID("stop")))
	if s := eval(`document.getElementById("status").textContent`); s != "stopped" {
		t.Errorf("status after stop %q", s)
	}
	// The page's default is the gm model; the v4.1 model is one choice away, with its own
	// fields, and runs to completion.
	if eval(`window.mfn.last && window.mfn.last.total_steps === 1000 && document.getElementById("alpha").offsetParent === null`) != true {
		t.Error("the first run was not gm with 1000 steps, or v4.1's alpha field is visible")
	}
	step("choose v4.1", chromedp.SetValue(chromedp.ID("model"), "v4.1"))
	eval(`document.getElementById("model").dispatchEvent(new Event("change"))`)
	step("steps", chromedp.SetValue(chromedp.ID("steps"), "30"))
	step("start v4.1", chromedp.Click(chromedp.ID("start")))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("status").textContent.startsWith("complete")`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("v4.1 run did not complete: %v (status %v)", err, eval(`document.getElementById("status").textContent`))
	}
	if eval(`window.mfn.last.total_steps === 30 && document.getElementById("alpha").offsetParent !== null`) != true {
		t.Error("the v4.1 run did not take 30 steps, or its alpha field is hidden")
	}

	// The server ends the stream once the page has stopped or its run completed.
	for i := 0; app.streams.Open() != 0; i++ {
		if i > 500 {
			t.Fatalf("%d streams still open after stop", app.streams.Open())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
