package payments_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/payments"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/stripemock"
)

// apiKey is a made-up test key; the tests check it never leaks.
const apiKey = "sk_test_51IntakeBenchSecretKey4242"

func TestPayTransfersToConnectedAccount(t *testing.T) {
	base := stripemock.Start(t)
	rec := newRecorder(t)
	s := newStripe(t, base, rec)

	got, err := s.Pay(t.Context(), payments.Request{
		PayoutID:    "po-1001",
		Amount:      35000,
		Destination: "acct_1CustomerA",
		Description: "Trade-in TI-1001: iPhone 13",
	})
	require.NoError(t, err)

	assert.True(t, strings.HasPrefix(got.Reference, "tr_"), "reference %q is not a transfer id", got.Reference)
	assert.Equal(t, intake.Cents(35000), got.Amount)
	require.Len(t, rec.requests(), 1)
	assert.Equal(t, recorded{
		Method:         http.MethodPost,
		Path:           "/v1/transfers",
		Authorization:  "Bearer " + apiKey,
		IdempotencyKey: "payout-po-1001",
		Status:         http.StatusOK,
		Form: url.Values{
			"amount":              {"35000"},
			"currency":            {"usd"},
			"destination":         {"acct_1CustomerA"},
			"description":         {"Trade-in TI-1001: iPhone 13"},
			"metadata[payout_id]": {"po-1001"},
		},
	}, rec.requests()[0])
}

func TestPayTwiceSendsTheSameIdempotencyKey(t *testing.T) {
	base := stripemock.Start(t)
	rec := newRecorder(t)
	s := newStripe(t, base, rec)
	req := payments.Request{PayoutID: "po-1002", Amount: 12050, Currency: "EUR", Destination: "acct_1CustomerB"}

	for range 2 {
		_, err := s.Pay(t.Context(), req)
		require.NoError(t, err)
	}

	reqs := rec.requests()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		assert.Equal(t, "payout-po-1002", r.IdempotencyKey)
		assert.Equal(t, "12050", r.Form.Get("amount"))
		assert.Equal(t, "eur", r.Form.Get("currency"))
	}
}

func TestPayRefusesInvalidRequestsBeforeAnyCall(t *testing.T) {
	valid := payments.Request{PayoutID: "po-7", Amount: 100, Destination: "acct_1Valid"}
	with := func(f func(*payments.Request)) payments.Request {
		r := valid
		f(&r)
		return r
	}
	tests := []struct {
		name string
		req  payments.Request
		want string
	}{
		{"no payout id", with(func(r *payments.Request) { r.PayoutID = "" }),
			"payout id is empty: invalid payout request"},
		{"payout id with a space", with(func(r *payments.Request) { r.PayoutID = "po 7" }),
			`payout id "po 7": want at most 200 characters, without spaces or control characters: invalid payout request`},
		{"payout id too long", with(func(r *payments.Request) { r.PayoutID = strings.Repeat("p", 201) }),
			`payout id "` + strings.Repeat("p", 201) + `": want at most 200 characters, without spaces or control characters: invalid payout request`},
		{"zero amount", with(func(r *payments.Request) { r.Amount = 0 }),
			"payout po-7: amount 0.00 is not between 0.01 and 1000000.00: invalid payout request: amount out of range"},
		{"negative amount", with(func(r *payments.Request) { r.Amount = -500 }),
			"payout po-7: amount -5.00 is not between 0.01 and 1000000.00: invalid payout request: amount out of range"},
		{"amount over the maximum", with(func(r *payments.Request) { r.Amount = 1_000_000_01 }),
			"payout po-7: amount 1000000.01 is not between 0.01 and 1000000.00: invalid payout request: amount out of range"},
		{"two-letter currency", with(func(r *payments.Request) { r.Currency = "us" }),
			`payout po-7: currency "us" is not a three-letter ISO code such as usd: invalid payout request`},
		{"currency with a digit", with(func(r *payments.Request) { r.Currency = "us1" }),
			`payout po-7: currency "us1" is not a three-letter ISO code such as usd: invalid payout request`},
		{"no destination", with(func(r *payments.Request) { r.Destination = "" }),
			`payout po-7: destination "" is not a Stripe connected account id (acct_ and letters or digits): invalid payout request`},
		{"customer id as destination", with(func(r *payments.Request) { r.Destination = "cus_1Valid" }),
			`payout po-7: destination "cus_1Valid" is not a Stripe connected account id (acct_ and letters or digits): invalid payout request`},
		{"bare acct_ prefix", with(func(r *payments.Request) { r.Destination = "acct_" }),
			`payout po-7: destination "acct_" is not a Stripe connected account id (acct_ and letters or digits): invalid payout request`},
		{"destination with a path", with(func(r *payments.Request) { r.Destination = "acct_1/../x" }),
			`payout po-7: destination "acct_1/../x" is not a Stripe connected account id (acct_ and letters or digits): invalid payout request`},
	}
	calls := &countingTransport{}
	s := newStripe(t, "http://127.0.0.1:9", calls)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Pay(t.Context(), tt.req)
			require.EqualError(t, err, tt.want)
			assert.ErrorIs(t, err, payments.ErrInvalidRequest)
			assert.NotErrorIs(t, err, payments.ErrTransient)
		})
	}
	assert.Equal(t, 0, calls.count(), "an invalid request reached the network")
}

func TestPayClassifiesStripeErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string // %KEY% is replaced by the Authorization header's key, as a careless server might echo it
		// want is the error's whole text; declined, when set, the *DeclinedError it must be.
		want     string
		declined *payments.DeclinedError
	}{
		{
			name:   "card declined",
			status: http.StatusPaymentRequired,
			body:   `{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}`,
			want:   "payout po-9 declined (status 402, card_declined): Your card was declined.",
			declined: &payments.DeclinedError{PayoutID: "po-9", Status: 402, Type: "card_error", Code: "card_declined",
				Message: "Your card was declined.", RequestID: "req_test9"},
		},
		{
			name:   "destination account missing",
			status: http.StatusBadRequest,
			body:   `{"error":{"type":"invalid_request_error","code":"resource_missing","param":"destination","message":"No such destination: 'acct_1CustomerA'"}}`,
			want:   "payout po-9 declined (status 400, resource_missing): No such destination: 'acct_1CustomerA'",
			declined: &payments.DeclinedError{PayoutID: "po-9", Status: 400, Type: "invalid_request_error", Code: "resource_missing",
				Message: "No such destination: 'acct_1CustomerA'", RequestID: "req_test9"},
		},
		{
			name:   "invalid request echoing the key",
			status: http.StatusBadRequest,
			body:   `{"error":{"type":"invalid_request_error","message":"Bad request made with %KEY%"}}`,
			want:   "payout po-9 declined (status 400, invalid_request_error): Bad request made with [redacted]",
			declined: &payments.DeclinedError{PayoutID: "po-9", Status: 400, Type: "invalid_request_error",
				Message: "Bad request made with [redacted]", RequestID: "req_test9"},
		},
		{
			name:   "stripe server error",
			status: http.StatusInternalServerError,
			body:   `{"error":{"type":"api_error","message":"An unknown error occurred"}}`,
			want:   "payout po-9: stripe answered status 500 (api_error): An unknown error occurred: transient payment failure, retry later",
		},
		{
			name:   "rate limited",
			status: http.StatusTooManyRequests,
			body:   `{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests hit the API too quickly."}}`,
			want:   "payout po-9: stripe answered status 429 (rate_limit): Too many requests hit the API too quickly.: transient payment failure, retry later",
		},
		{
			name:   "same key in flight",
			status: http.StatusConflict,
			body:   `{"error":{"type":"idempotency_error","message":"There is currently another in-progress request using this Idempotent Key."}}`,
			want:   "payout po-9: stripe answered status 409 (idempotency_error): There is currently another in-progress request using this Idempotent Key.: transient payment failure, retry later",
		},
		{
			name:   "key refused",
			status: http.StatusUnauthorized,
			body:   `{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: %KEY%"}}`,
			want:   "payout po-9: stripe answered status 401 (invalid_request_error): Invalid API Key provided: [redacted]: transient payment failure, retry later",
		},
		{
			name:   "gateway page instead of JSON",
			status: http.StatusBadGateway,
			body:   `<html>502 Bad Gateway</html>`,
			want:   `payout po-9: no usable answer from stripe: Couldn't deserialize JSON (response status: 502, body sample: '<html>502 Bad Gateway</html>'): invalid character '<' looking for beginning of value: transient payment failure, retry later`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits int
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits++
				key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				w.Header().Set("Request-Id", "req_test9")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, strings.ReplaceAll(tt.body, "%KEY%", key))
			}))
			t.Cleanup(srv.Close)
			s := newStripe(t, srv.URL, nil)

			_, err := s.Pay(t.Context(), payments.Request{PayoutID: "po-9", Amount: 35000, Destination: "acct_1CustomerA"})

			require.EqualError(t, err, tt.want)
			assert.NotContains(t, err.Error(), apiKey)
			assert.Equal(t, 1, hits, "the library retried on its own")
			var declined *payments.DeclinedError
			if tt.declined != nil {
				require.ErrorAs(t, err, &declined)
				assert.Equal(t, tt.declined, declined)
				assert.NotErrorIs(t, err, payments.ErrTransient)
			} else {
				assert.ErrorIs(t, err, payments.ErrTransient)
				assert.False(t, errors.As(err, &declined), "a transient failure is not a decline")
			}
		})
	}
}

func TestPayConnectionResetIsTransient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		// Linger 0 makes Close send a reset, as a dropped load balancer does.
		_ = conn.(*net.TCPConn).SetLinger(0)
		_ = conn.Close()
	}))
	t.Cleanup(srv.Close)
	s := newStripe(t, srv.URL, nil)

	_, err := s.Pay(t.Context(), payments.Request{PayoutID: "po-10", Amount: 35000, Destination: "acct_1CustomerA"})

	require.ErrorIs(t, err, payments.ErrTransient)
	var declined *payments.DeclinedError
	assert.False(t, errors.As(err, &declined))
	assert.True(t, strings.HasPrefix(err.Error(), "payout po-10: no usable answer from stripe: "), err.Error())
	assert.NotContains(t, err.Error(), apiKey)
}

func TestPayCanceledWhileWaitingIsTransient(t *testing.T) {
	arrived, ended := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server notices a client gone only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		close(arrived)
		select { // never answers: the client must give up by itself
		case <-r.Context().Done():
		case <-ended:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(ended) }) // runs first: a failing test still ends
	s := newStripe(t, srv.URL, nil)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-arrived
		cancel()
	}()

	_, err := s.Pay(ctx, payments.Request{PayoutID: "po-11", Amount: 35000, Destination: "acct_1CustomerA"})

	require.ErrorIs(t, err, payments.ErrTransient)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestNewStripeRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		key  string
		opts []payments.Option
		want string
	}{
		{"empty key", "", nil, "stripe: API key is empty"},
		{"blank key", "  ", nil, "stripe: API key is empty"},
		{"base URL without scheme", apiKey, []payments.Option{payments.WithBaseURL("127.0.0.1:12111")},
			"stripe: base URL must be http(s)://host[:port] without credentials"},
		{"base URL with credentials", apiKey, []payments.Option{payments.WithBaseURL("https://user:pw@api.stripe.com")},
			"stripe: base URL must be http(s)://host[:port] without credentials"},
		{"nil HTTP client", apiKey, []payments.Option{payments.WithHTTPClient(nil)}, "stripe: HTTP client is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := payments.NewStripe(tt.key, tt.opts...)
			require.EqualError(t, err, tt.want)
		})
	}
}

// newStripe returns a Stripe talking to base through rt, or a transport of
// its own when rt is nil.
func newStripe(t *testing.T, base string, rt http.RoundTripper) *payments.Stripe {
	t.Helper()
	if rt == nil {
		rt = newTransport(t)
	}
	s, err := payments.NewStripe(apiKey, payments.WithBaseURL(base), payments.WithHTTPClient(&http.Client{Transport: rt}))
	require.NoError(t, err)
	return s
}

func newTransport(t *testing.T) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// recorded is what one request to Stripe carried, and the status it got.
type recorded struct {
	Method, Path, Authorization, IdempotencyKey string
	Form                                        url.Values
	Status                                      int
}

// recorder forwards requests to the real server and keeps what they
// carried: stripe-mock does not tell what it received.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []recorded
}

func newRecorder(t *testing.T) *recorder { return &recorder{next: newTransport(t)} }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	res, err := r.next.RoundTrip(out)
	rec := recorded{
		Method:         req.Method,
		Path:           req.URL.Path,
		Authorization:  req.Header.Get("Authorization"),
		IdempotencyKey: req.Header.Get("Idempotency-Key"),
		Form:           form,
	}
	if res != nil {
		rec.Status = res.StatusCode
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, rec)
	r.mu.Unlock()
	return res, err
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// countingTransport answers nothing: it counts the requests that reached it.
type countingTransport struct {
	mu sync.Mutex
	n  int
}

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return nil, errors.New("countingTransport: no request should reach the network")
}

func (c *countingTransport) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
