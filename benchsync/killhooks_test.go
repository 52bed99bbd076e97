package benchsync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // the "sqlite" driver, to read the outbox's event bodies

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/store"
)

// hookPost is one POST the receiver got.
type hookPost struct {
	id     string // X-Webhook-Id
	bodyID string // the envelope's id
	key    string // the applied event's key, data.key
	err    error  // a body that does not decode or a signature that does not verify
}

// hookReceiver records every webhook POST that reaches it, before
// answering: a POST whose sender dies before the answer did reach it.
type hookReceiver struct {
	secret string
	mu     sync.Mutex
	posts  []hookPost
}

func (rc *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the hub died while sending: this POST did not arrive
	}
	var env struct {
		ID   string `json:"id"`
		Data struct {
			Key string `json:"key"`
		} `json:"data"`
	}
	decodeErr := json.Unmarshal(body, &env)
	p := hookPost{id: r.Header.Get(webhook.HeaderID), bodyID: env.ID, key: env.Data.Key,
		err: errors.Join(decodeErr, webhook.Verify(rc.secret, r.Header, body, 0))}
	rc.mu.Lock()
	rc.posts = append(rc.posts, p)
	rc.mu.Unlock()
	// Now and then a slow answer, so that kills find attempts in flight
	// whose POST arrived but whose result the hub never wrote.
	if rand.IntN(6) == 0 {
		select {
		case <-time.After(time.Duration(20+rand.IntN(230)) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (rc *hookReceiver) received() []hookPost {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hookPost(nil), rc.posts...)
}

func (rc *hookReceiver) distinct() int {
	ids := map[string]bool{}
	for _, p := range rc.received() {
		ids[p.id] = true
	}
	return len(ids)
}

// rudeClient pushes events over raw TCP and closes the connection as soon
// as the request is written: the hub may apply the push, or give up on it
// when it sees the client gone, and the client never learns which. Each
// push carries all its events from the first, so that whatever the hub
// kept, the next push has no gap (what it has is answered as duplicate).
type rudeClient struct {
	bench, token string
	events       []wire.Event
	sent, failed int
}

func (c *rudeClient) push(t *testing.T, host string, n int) {
	t.Helper()
	body, err := json.Marshal(wire.PushRequest{Bench: c.bench, Events: c.events[:n]})
	require.NoError(t, err)
	var req bytes.Buffer
	fmt.Fprintf(&req, "POST /v1/events HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		host, c.token, len(body))
	req.Write(body)
	conn, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		c.failed++
		return
	}
	_, err = conn.Write(req.Bytes())
	conn.Close()
	if err != nil {
		c.failed++
		return
	}
	c.sent++
}

// killBench is one bench pushing its own trade-ins' receipts.
type killBench struct {
	name    string
	st      *store.Store
	engine  *benchsync.Engine
	created map[string]bool
}

// TestHubKilledKeepsEveryWebhookOnce kills the real hub with SIGKILL again
// and again while three benches push receipts and a rude client pushes and
// hangs up, with a webhook endpoint registered. The outbox is written in
// the push transaction, so in the end every applied event has exactly one
// delivery, and each reached the receiver: maybe more than once (a kill
// after the POST and before its result was written), but always under the
// same webhook id.
func TestHubKilledKeepsEveryWebhookOnce(t *testing.T) {
	const (
		benches   = 3
		perBench  = 150 // receipts per bench
		window    = 200 // trade-ins each bench picks its receipts from (some IMEIs are flagged)
		rudeCount = 6
		minKills  = 20
		maxKills  = 300
	)
	dir := t.TempDir()
	p := &hubProcess{bin: filepath.Join(dir, "intakehub"), db: hubtest.DSN(t)}
	build := exec.Command("go", "build", "-o", p.bin, "github.com/intakebench/intakebench/cmd/intakehub")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	p.run(t, "seed", "--db", p.db, "--demo", "--tradeins", strconv.Itoa(benches*window+rudeCount))
	apiKey := p.run(t, "apikey", "create", "--db", p.db, "--name", "killhooks", "--scopes", wire.ScopeWebhooks)
	names := make([]string, benches)
	codes := make([]string, benches)
	for i := range names {
		names[i] = fmt.Sprintf("hook-bench-%d", i+1)
		codes[i] = p.run(t, "enroll-bench", names[i], "--db", p.db)
	}
	rude := &rudeClient{bench: "rude-bench"}
	rudeCode := p.run(t, "enroll-bench", rude.bench, "--db", p.db)

	ctx := context.Background()
	// The rude client's receipts are of the trade-ins after the benches'
	// windows, as the hub has them: it has no store to pull them into.
	h, err := hub.Open(ctx, p.db, hub.Config{})
	require.NoError(t, err)
	for i := range rudeCount {
		ti, err := h.TradeIn(ctx, tradeInID(benches*window+i+1))
		require.NoError(t, err)
		key, at := uuid.NewString(), time.Now().UTC()
		payload, err := json.Marshal(intake.Receipt{TradeInID: ti.ID, IMEI: ti.IMEI, Operator: tech.ID, Bench: rude.bench, At: at, EventKey: key})
		require.NoError(t, err)
		rude.events = append(rude.events, wire.Event{Seq: int64(i + 1), Key: key, Kind: intake.EventReceived, TradeInID: ti.ID,
			Operator: tech.ID, Bench: rude.bench, At: at, Payload: payload})
	}
	require.NoError(t, h.Close())

	rc := &hookReceiver{secret: "whsec_killhooks_" + uuid.NewString()}
	receiver := httptest.NewServer(rc)
	defer receiver.Close()

	logFile, err := os.Create(filepath.Join(dir, "hub.log"))
	require.NoError(t, err)
	defer logFile.Close()
	defer func() {
		if t.Failed() {
			logged, _ := os.ReadFile(logFile.Name())
			t.Logf("the hub's log:\n%s", lastLines(string(logged), 60))
		}
	}()
	hubURL := p.serve(t, "127.0.0.1:0", logFile, "--webhooks-allow-private")
	// Deferred after the receiver's Close, so it runs first: a hub left
	// running would keep POSTing to a receiver that is gone.
	defer func() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() }()
	u, err := url.Parse(hubURL)
	require.NoError(t, err)
	endpointID := registerWebhook(t, hubURL, apiKey, receiver.URL+"/hooks", rc.secret)

	enroller, err := benchsync.NewClient(hubURL, "")
	require.NoError(t, err)
	enrolled, err := enroller.Enroll(ctx, rudeCode, rude.bench)
	require.NoError(t, err)
	rude.token = enrolled.Token
	bs := make([]*killBench, benches)
	for i, name := range names {
		b := &killBench{name: name, created: map[string]bool{}}
		bs[i] = b
		enrolled, err := enroller.Enroll(ctx, codes[i], name)
		require.NoError(t, err)
		b.st, err = store.Open(ctx, filepath.Join(dir, name+".db"))
		require.NoError(t, err)
		defer b.st.Close()
		client, err := benchsync.NewClient(hubURL, enrolled.Token, benchsync.WithRequestTimeout(2*time.Second))
		require.NoError(t, err)
		b.engine = benchsync.New(b.st, client, name, benchsync.WithBatch(20, 1000),
			benchsync.WithRetry(3, 5*time.Millisecond, 50*time.Millisecond), benchsync.WithInterval(20*time.Millisecond))
		_, err = b.engine.RunOnce(ctx)
		require.NoError(t, err)
		svc := intake.NewBench(b.st, name, time.Now, uuid.NewString)
		// Each bench receives trade-ins of its own window: two benches
		// receiving one trade-in would have one receipt rejected.
		for n := i*window + 1; n <= (i+1)*window && len(b.created) < perBench; n++ {
			ti, err := b.st.TradeIn(ctx, tradeInID(n))
			require.NoError(t, err)
			if _, flagged, err := b.st.FlagFor(ctx, ti.IMEI); err != nil || flagged {
				require.NoError(t, err)
				continue
			}
			r, err := svc.Receive(ctx, tech, ti.IMEI)
			require.NoError(t, err)
			b.created[r.EventKey] = true
		}
		require.Len(t, b.created, perBench, "bench %s found too few receivable trade-ins", name)
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	runDone := make(chan error, benches)
	for _, b := range bs {
		go func() { runDone <- b.engine.Run(runCtx) }()
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	started := time.Now()
	// Bounded in time as well as in kills: a hub that never lets the
	// benches drain fails here, not at the test binary's timeout.
	killDeadline := started.Add(2 * time.Minute)
	kills, rudePushes := 0, 0
	for {
		drained := true
		for _, b := range bs {
			pending, err := b.st.CountPending(ctx)
			require.NoError(t, err)
			drained = drained && pending == 0
		}
		if drained && kills >= minKills && rudePushes == rudeCount {
			break
		}
		require.Less(t, kills, maxKills, "the benches' outboxes do not drain")
		require.True(t, time.Now().Before(killDeadline), "the benches' outboxes do not drain in %s (%d kills)", time.Since(started), kills)
		// A rude push, with one more event than the last: in every third
		// life of the hub while the benches push, and in every life once
		// they are done, so that some meet a contended write lock and some
		// an idle hub. Whether the hub applies one races with the kill and
		// with the hub seeing the client gone, which ends the request's
		// context: both outcomes must leave the outbox right.
		if (!drained && kills%3 == 1 && rudePushes < rudeCount/2) || (drained && rudePushes < rudeCount) {
			rudePushes++
			rude.push(t, u.Host, rudePushes)
		}
		time.Sleep(time.Duration(20+rng.IntN(150)) * time.Millisecond)
		p.kill(t)
		kills++
		p.serve(t, u.Host, logFile, "--webhooks-allow-private")
	}
	stop()
	for range benches {
		require.ErrorIs(t, <-runDone, context.Canceled)
	}
	killPhase := time.Since(started)

	// The last hub delivers what is left. Deliveries leased by a killed
	// process come due again only when their lease ends (the attempt
	// timeout and its slack), so this wait is long; it ends as soon as
	// nothing is pending and the receiver has every delivery.
	raw := hubtest.Raw(t, p.db)
	drainStart := time.Now()
	drainDeadline := drainStart.Add(3 * time.Minute)
	for {
		var total, pending int
		require.NoError(t, raw.QueryRowContext(ctx,
			`SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0) FROM webhook_deliveries`).Scan(&total, &pending))
		got := rc.distinct()
		if pending == 0 && got >= total {
			break
		}
		if time.Now().After(drainDeadline) {
			// Not fatal here: the checks below say which events are missing.
			t.Errorf("after %s, %d of %d deliveries are pending and the receiver has %d distinct ids",
				time.Since(drainStart).Round(time.Second), pending, total, got)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	drainPhase := time.Since(drainStart)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.cmd.Wait(), "the last hub shuts down cleanly")

	h, err = hub.Open(ctx, p.db, hub.Config{})
	require.NoError(t, err)
	defer h.Close()

	// The applied events, and whose they are.
	applied := map[string]string{}
	for _, b := range bs {
		recorded, err := h.BenchEvents(ctx, b.name)
		require.NoError(t, err)
		require.Len(t, recorded, len(b.created), "every event of %s is on the hub, once", b.name)
		for _, e := range recorded {
			require.True(t, b.created[e.Key], "%s: event %s is not the bench's", b.name, e.Key)
			require.Equal(t, wire.StatusApplied, e.Status, "%s: event %d: %s", b.name, e.Seq, e.Code)
			applied[e.Key] = b.name
		}
	}
	rudeRecorded, err := h.BenchEvents(ctx, rude.bench)
	require.NoError(t, err)
	require.LessOrEqual(t, len(rudeRecorded), len(rude.events))
	rudeApplied := 0
	for n, e := range rudeRecorded {
		require.Equal(t, rude.events[n].Key, e.Key, "the rude client's events are recorded in its order")
		if e.Status == wire.StatusApplied {
			applied[e.Key] = rude.bench
			rudeApplied++
		}
	}

	// The outbox: one delivery per applied event, to the one endpoint.
	var endpoints []hubdb.WebhookEndpoint
	var rows []hubdb.WebhookDelivery
	var outboxEvents int
	require.NoError(t, h.DB().View(ctx, func(tx *hubdb.Tx) (err error) {
		if endpoints, err = tx.WebhookEndpoints(ctx); err != nil {
			return err
		}
		if rows, err = tx.WebhookDeliveries(ctx, endpointID); err != nil {
			return err
		}
		outboxEvents, err = tx.CountWebhookEvents(ctx)
		return err
	}))
	require.Len(t, endpoints, 1)
	require.Equal(t, endpointID, endpoints[0].ID)
	// hubdb has no reader of an event's body, which is what names the
	// applied event: read it from the table.
	keyOf := map[string]string{}
	bodies, err := raw.QueryContext(ctx, `SELECT id, body FROM webhook_events`)
	require.NoError(t, err)
	for bodies.Next() {
		var id string
		var body []byte
		require.NoError(t, bodies.Scan(&id, &body))
		var env struct {
			Data struct {
				Key string `json:"key"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &env), "webhook event %s", id)
		keyOf[id] = env.Data.Key
	}
	require.NoError(t, bodies.Err())
	require.NoError(t, bodies.Close())

	var notDelivered, stray, lost, doubled []string
	rowsOfKey := map[string][]string{}
	rowOfEvent := map[string]bool{}
	attemptsLogged := 0
	for _, d := range rows {
		attemptsLogged += len(d.Log)
		if d.State != webhook.StateDelivered {
			notDelivered = append(notDelivered, fmt.Sprintf("delivery %d (event %s) is %s: %s", d.ID, d.EventID, d.State, d.LastError))
		}
		require.False(t, rowOfEvent[d.EventID], "webhook event %s has two deliveries to the endpoint", d.EventID)
		rowOfEvent[d.EventID] = true
		key := keyOf[d.EventID]
		rowsOfKey[key] = append(rowsOfKey[key], d.EventID)
		if applied[key] == "" {
			stray = append(stray, fmt.Sprintf("delivery %d: event %s names %q, which was not applied", d.ID, d.EventID, key))
		}
	}
	for key, who := range applied {
		switch n := len(rowsOfKey[key]); {
		case n == 0:
			lost = append(lost, fmt.Sprintf("%s's event %s has no delivery", who, key))
		case n > 1:
			doubled = append(doubled, fmt.Sprintf("%s's event %s has %d deliveries: %v", who, key, n, rowsOfKey[key]))
		}
	}
	assert.Empty(t, first(lost, 10), "%d applied events lost from the outbox", len(lost))
	assert.Empty(t, first(doubled, 10), "%d applied events doubled in the outbox", len(doubled))
	assert.Empty(t, first(stray, 10), "%d deliveries of events not applied", len(stray))
	assert.Empty(t, first(notDelivered, 10), "%d deliveries not delivered", len(notDelivered))
	assert.Equal(t, len(rows), outboxEvents, "every webhook event has its delivery")

	// The receiver: every delivery arrived, under its one id, with the
	// body of that id; a POST again after a kill is the same id again.
	posts := rc.received()
	keyOfID := map[string]string{}
	postsOf := map[string]int{}
	var bad []string
	for _, post := range posts {
		switch {
		case post.err != nil:
			bad = append(bad, fmt.Sprintf("POST of %s: %v", post.id, post.err))
		case post.bodyID != post.id:
			bad = append(bad, fmt.Sprintf("POST with header id %s carries event %s", post.id, post.bodyID))
		case !rowOfEvent[post.id]:
			bad = append(bad, fmt.Sprintf("POST of %s, which is no delivery of the endpoint", post.id))
		case post.key != keyOf[post.id]:
			bad = append(bad, fmt.Sprintf("POST of %s names event %s, its outbox body %s", post.id, post.key, keyOf[post.id]))
		}
		if prev, ok := keyOfID[post.id]; ok && prev != post.key {
			bad = append(bad, fmt.Sprintf("%s was POSTed for event %s and for event %s", post.id, prev, post.key))
		}
		keyOfID[post.id] = post.key
		postsOf[post.id]++
	}
	var unreceived []string
	for _, d := range rows {
		if postsOf[d.EventID] == 0 {
			unreceived = append(unreceived, fmt.Sprintf("delivery %d (event %s, %s) never reached the receiver", d.ID, d.EventID, d.State))
		}
	}
	keysReceived := map[string]bool{}
	for _, key := range keyOfID {
		keysReceived[key] = true
	}
	assert.Empty(t, first(bad, 10), "%d bad POSTs", len(bad))
	assert.Empty(t, first(unreceived, 10), "%d deliveries never received", len(unreceived))
	assert.Len(t, postsOf, len(applied), "one webhook id per applied event reached the receiver")
	assert.Len(t, keysReceived, len(postsOf), "no applied event reached the receiver under two ids")

	duplicates, maxPosts := 0, 0
	for _, n := range postsOf {
		duplicates += n - 1
		maxPosts = max(maxPosts, n)
	}
	t.Logf("%d kills in %s, then %s until the last delivery; events applied: %d from %d benches, %d of %d from the rude client (%d rude pushes written, %d failed)",
		kills, killPhase.Round(time.Millisecond), drainPhase.Round(time.Millisecond), len(applied)-rudeApplied, benches,
		rudeApplied, len(rude.events), rude.sent, rude.failed)
	t.Logf("outbox: %d webhook events, %d deliveries, %d attempts logged; receiver: %d POSTs, %d distinct ids, %d duplicate POSTs (at most %d of one id), %d POSTs the hub died before logging",
		outboxEvents, len(rows), attemptsLogged, len(posts), len(postsOf), duplicates, maxPosts, len(posts)-attemptsLogged)
}

// registerWebhook registers target, signed with secret, for every event type
// through the public API, and returns the endpoint's id.
func registerWebhook(t testing.TB, hubURL, apiKey, target, secret string) string {
	t.Helper()
	body, err := json.Marshal(map[string]any{"url": target, "secret": secret})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, hubURL+"/api/v1/webhooks", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "register the webhook: %s", answer)
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(answer, &created))
	require.NotEmpty(t, created.Data.ID)
	return created.Data.ID
}

// first keeps a failure message readable when thousands go wrong at once.
func first(s []string, n int) []string { return s[:min(len(s), n)] }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
