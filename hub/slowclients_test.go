package hub_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// slowClient is a request whose headers went out whole and whose body
// comes a byte every tick, never to its end: what a client on a dying
// link, or one that means harm, looks like to the hub.
type slowClient struct {
	conn net.Conn
	stop chan struct{}
	done chan struct{}
}

// startSlowClient sends method path with a body that declares declared
// bytes and trickles them.
func startSlowClient(t testing.TB, h *hubtest.Hub, method, path, token string, declared int, tick time.Duration) *slowClient {
	t.Helper()
	conn, err := net.Dial("tcp", h.HTTP.Listener.Addr().String())
	require.NoError(t, err)
	_, err = fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{",
		method, path, token, declared)
	require.NoError(t, err)
	c := &slowClient{conn: conn, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		tk := time.NewTicker(tick)
		defer tk.Stop()
		for sent := 1; sent < declared-1; sent++ {
			select {
			case <-c.stop:
				return
			case <-tk.C:
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	t.Cleanup(c.close)
	return c
}

func (c *slowClient) close() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	c.conn.Close()
	<-c.done
}

// slowCrowd starts n slow clients, each its own enrolled bench, half of
// them pushing and half uploading, and waits until the hub is reading
// every one's body.
func slowCrowd(t testing.TB, h *hubtest.Hub, n int) []*slowClient {
	t.Helper()
	crowd := make([]*slowClient, n)
	for i := range crowd {
		token := h.Enroll(t, fmt.Sprintf("slow-%03d", i))
		method, path := http.MethodPost, "/v1/events"
		if i%2 == 1 {
			method, path = http.MethodPut, "/v1/blobs/"+strings.Repeat("ab", 32)
		}
		crowd[i] = startSlowClient(t, h, method, path, token, 1024, 100*time.Millisecond)
	}
	require.Eventually(t, func() bool { return h.Server.ReadingBodies() == n }, 20*time.Second, 5*time.Millisecond,
		"the hub reads the bodies of all %d slow clients", n)
	return crowd
}

// TestSlowClientsHoldNoWriteSlot: 100 clients trickle their bodies, more
// than the hub has write slots, while 20 benches push and upload; every
// one of those is answered, and the slow ones are still being waited for.
// Before the body was read ahead of the write slot, 64 slow clients took
// every slot and the benches got 503.
func TestSlowClientsHoldNoWriteSlot(t *testing.T) {
	const slow, benches, pushes = 100, 20, 5
	h := hubtest.New(t, hubtest.Config{TradeIns: benches * pushes * 3 / 2, Server: []hub.ServerOption{
		hub.WithMaxQueuedWrites(64),
		// Long enough that none of the slow clients times out while the
		// test runs, however loaded the machine: this test is about the
		// write slots, not about read deadlines.
		hub.WithBodyDeadline(2*time.Minute, 16<<10),
	}})
	receivable := h.Receivable(t)
	require.GreaterOrEqual(t, len(receivable), benches*pushes)
	fast := make([]*benchClient, benches)
	for i := range fast {
		fast[i] = enrollBench(t, h, fmt.Sprintf("fast-%02d", i))
	}
	slowCrowd(t, h, slow)

	var wg sync.WaitGroup
	failures := make(chan string, benches*(pushes+1))
	for i, b := range fast {
		mine := receivable[i*pushes : (i+1)*pushes]
		photo := pngPhoto(t, 16, 16, byte(i))
		wg.Go(func() {
			status, body, err := send(http.MethodPut, h.URL+"/v1/blobs/"+blobName(photo), b.token, photo)
			if err != nil || status != http.StatusCreated {
				failures <- fmt.Sprintf("%s upload: %d %s %v", b.name, status, body, err)
			}
			for _, ti := range mine {
				if r := pushTimed(b, receivedEvent(t, b, ti)); r.err != "" {
					failures <- r.err
				}
			}
		})
	}
	wg.Wait()
	close(failures)
	var failed []string
	for f := range failures {
		failed = append(failed, f)
	}
	assert.Empty(t, failed, "every bench beside the slow clients is answered")
	assert.Equal(t, slow, h.Server.ReadingBodies(), "the slow clients are still held, not dropped to make room")
}

// TestBodyDeadline: a body that does not arrive within its deadline is
// answered 408 request_timeout, and the connection is closed.
func TestBodyDeadline(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{Server: []hub.ServerOption{hub.WithBodyDeadline(100*time.Millisecond, 1<<30)}})
	token := h.Enroll(t, "bench-stalled")
	// The client stops sending after the first byte and reads the answer.
	c := startSlowClient(t, h, http.MethodPost, "/v1/events", token, 100, time.Hour)
	require.NoError(t, c.conn.SetReadDeadline(time.Now().Add(30*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(c.conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	assert.True(t, resp.Close, "the connection is closed")
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, header: resp.Header, body: body}
	assert.Equal(t, "request_timeout", a.problem(t).Code)
	assert.Equal(t, 0, h.Server.ReadingBodies())
}

// TestBodiesPerBench: one bench sends at most 4 bodies at once; a fifth is
// answered 429 at once, and the bench's own next request goes through as
// soon as one of its bodies is done. Other benches are not affected.
func TestBodiesPerBench(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 10})
	b := enrollBench(t, h, "bench-many")
	other := enrollBench(t, h, "bench-other")
	var held []*slowClient
	for range 4 {
		held = append(held, startSlowClient(t, h, http.MethodPost, "/v1/events", b.token, 1024, time.Hour))
	}
	require.Eventually(t, func() bool { return h.Server.ReadingBodies() == 4 }, 10*time.Second, 5*time.Millisecond)

	ti := h.Receivable(t)
	a := b.pushAs(t, b.name, b.newEvent(t, intake.EventReceived, ti[0].ID, opTechnician, b.receiptOf(ti[0], opTechnician)))
	require.Equal(t, http.StatusTooManyRequests, a.status, "body: %s", a.body)
	assert.Equal(t, "rate_limited", a.problem(t).Code)
	assert.Equal(t, "1", a.header.Get("Retry-After"))
	b.seq-- // the refused event was not taken

	assert.Equal(t, "applied", string(other.pushOne(t, intake.EventReceived, ti[1].ID, opTechnician, other.receiptOf(ti[1], opTechnician)).Status))

	held[0].close()
	require.Eventually(t, func() bool { return h.Server.ReadingBodies() == 3 }, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, "applied", string(b.pushOne(t, intake.EventReceived, ti[0].ID, opTechnician, b.receiptOf(ti[0], opTechnician)).Status))
}

// BenchmarkPushesBesideSlowClients measures how long 20 benches' pushes
// take while 100 slow clients trickle their bodies: its p99 is what a
// bench waits at worst beside them (the target is under a second). Each
// push is one photo event of a device the bench received.
func BenchmarkPushesBesideSlowClients(b *testing.B) {
	const slow, benches = 100, 20
	h := hubtest.New(b, hubtest.Config{TradeIns: benches * 3 / 2, Unlimited: true,
		Server: []hub.ServerOption{hub.WithBodyDeadline(10*time.Minute, 16<<10)}})
	receivable := h.Receivable(b)
	if len(receivable) < benches {
		b.Fatalf("%d receivable trade-ins for %d benches", len(receivable), benches)
	}
	type bench struct {
		*benchClient
		photo string
		ti    intake.TradeIn
	}
	var bs []bench
	for i := range benches {
		c := &benchClient{hub: h, name: fmt.Sprintf("fast-%02d", i), token: h.Enroll(b, fmt.Sprintf("fast-%02d", i))}
		photo := pngPhoto(b, 16, 16, byte(i))
		if a := putBlob(b, h, c.token, "image/png", photo); a.status != http.StatusCreated {
			b.Fatalf("upload: %d %s", a.status, a.body)
		}
		bs = append(bs, bench{benchClient: c, photo: blobName(photo), ti: receivable[i]})
	}
	for _, c := range bs {
		ev := receivedEvent(b, c.benchClient, c.ti)
		if r := pushTimed(c.benchClient, ev); r.err != "" {
			b.Fatal(r.err)
		}
	}
	slowCrowd(b, h, slow)

	var mu sync.Mutex
	var took []time.Duration
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		for _, c := range bs {
			wg.Go(func() {
				ev := photoEvent(b, c.benchClient, c.ti, c.photo)
				r := pushTimed(c.benchClient, ev)
				if r.err != "" {
					b.Error(r.err)
				}
				mu.Lock()
				took = append(took, r.took)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	if got := h.Server.ReadingBodies(); got != slow {
		b.Fatalf("%d slow clients were still held at the end, want %d", got, slow)
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(len(took))/float64(b.N), "pushes/op")
}

// The benchmark's events, made without a *testing.T.

func receivedEvent(tb testing.TB, c *benchClient, ti intake.TradeIn) []byte {
	return eventBody(tb, c, intake.EventReceived, ti.ID, intake.Receipt{TradeInID: ti.ID, IMEI: ti.IMEI, Operator: opTechnician,
		Bench: c.name, At: time.Now().UTC()})
}

func photoEvent(tb testing.TB, c *benchClient, ti intake.TradeIn, sum string) []byte {
	return eventBody(tb, c, intake.EventPhotoAdded, ti.ID, intake.Photo{SHA256: sum, Angle: "front", MIME: "image/png"})
}

// pushed is one push's outcome: how long it took, and what went wrong.
type pushed struct {
	took time.Duration
	err  string
}

// eventBody is the body of a push of the bench's next event. It fails no
// test: benchmark goroutines make events too.
func eventBody(tb testing.TB, c *benchClient, kind intake.EventKind, tradeInID string, payload any) []byte {
	p, err := json.Marshal(payload)
	if err != nil {
		tb.Error(err)
	}
	c.seq++
	body, err := json.Marshal(wire.PushRequest{Bench: c.name, Events: []wire.Event{{Seq: c.seq, Key: uuid.NewString(), Kind: kind,
		TradeInID: tradeInID, Operator: opTechnician, Bench: c.name, At: time.Now().UTC(), Payload: p}}})
	if err != nil {
		tb.Error(err)
	}
	return body
}

// send makes one request and reads the answer, failing no test: it runs
// in goroutines other than the test's.
func send(method, url, token string, body []byte) (status int, answer []byte, err error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err = io.ReadAll(resp.Body)
	return resp.StatusCode, answer, err
}

// pushTimed pushes body, an event that must be applied, and times it.
func pushTimed(c *benchClient, body []byte) pushed {
	start := time.Now()
	status, answer, err := send(http.MethodPost, c.hub.URL+"/v1/events", c.token, body)
	took := time.Since(start)
	if err != nil || status != http.StatusOK || !bytes.Contains(answer, []byte(`"status":"applied"`)) {
		return pushed{took, fmt.Sprintf("%s: %d %s %v", c.name, status, answer, err)}
	}
	return pushed{took: took}
}
