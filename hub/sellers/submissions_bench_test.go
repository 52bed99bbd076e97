package sellers_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSubmissions measures submissions created per second through the
// API over loopback HTTP, each with seed 004's example item (validated,
// stored as a trade-in, its SubmissionCreatedEvent queued in the webhook
// outbox in the same transaction), from 8 sellers' clients at once, on the
// database INTAKEBENCH_TEST_DB names.
func BenchmarkSubmissions(b *testing.B) {
	const clients, perClient = 8, 250
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b)
		b.StartTimer()
		var failed atomic.Int64
		var firstErr sync.Once
		var wg sync.WaitGroup
		start := time.Now()
		for c := range clients {
			wg.Go(func() {
				for i := range perClient {
					body := strings.Replace(submission, `"externalId":"ExternalId1","countryCode"`,
						fmt.Sprintf(`"externalId":"bench-%d-%d","countryCode"`, c, i), 1)
					req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/v2/sellers/"+e.sellerID+"/submissions", bytes.NewReader([]byte(body)))
					if err != nil {
						panic(err)
					}
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+e.key)
					resp, err := http.DefaultClient.Do(req)
					if err == nil {
						msg, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusCreated {
							err = fmt.Errorf("%d: %s", resp.StatusCode, msg)
						}
					}
					if err != nil {
						failed.Add(1)
						firstErr.Do(func() { b.Errorf("submission %d/%d: %v", c, i, err) })
					}
				}
			})
		}
		wg.Wait()
		took := time.Since(start)
		b.StopTimer()
		if failed.Load() > 0 {
			b.Fatalf("%d of %d submissions failed", failed.Load(), clients*perClient)
		}
		b.ReportMetric(float64(clients*perClient)/took.Seconds(), "submissions/s")
		b.StartTimer()
	}
}
