package server

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestRedocInBrowser: /redoc renders the contract in a headless browser under its CSP with
// nothing but this server reachable (the server is the only origin the page may contact).
func TestRedocInBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("no chromium found (set CHROME_PATH, or install Debian's chromium): skipping the browser test")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	app, _ := testApp(t, nil)
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true)}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	if _, err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/redoc")); err != nil {
		t.Fatal(err)
	}
	// ReDoc has rendered the contract: an operation's summary is in the page.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body.innerText.includes("Derive a shared key by X25519")`,
		chromedp.WithPollingTimeout(40*time.Second))); err != nil {
		v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 500)`))
		t.Fatalf("ReDoc did not render the contract: %v\npage: %q", err, v)
	}
}
