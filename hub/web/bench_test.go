package web_test

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// BenchmarkBuyerPage is the buyer page's render over loopback, from the
// request to the last byte, and its weight with its style sheet and script
// (the budget is 100 KB).
func BenchmarkBuyerPage(b *testing.B) {
	e := newEnv(b)
	c := &http.Client{}
	weight := 0
	for _, path := range []string{"/web/static/site.css", "/web/static/buyer.js"} {
		resp, err := c.Get(e.srv.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		weight += int(n)
	}
	var page int64
	start := time.Now()
	for b.Loop() {
		resp, err := c.Get(e.srv.URL + "/trade-in")
		if err != nil {
			b.Fatal(err)
		}
		page, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/render")
	b.ReportMetric(float64(int(page)+weight)/1024, "KB(html+css+js)")
}
