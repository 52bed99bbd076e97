package benchsync_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
)

// seen is what a scripted hub saw of one request.
type seen struct {
	method, path, query, contentType, accept, auth string
	body                                           []byte
}

// recorder is a hub that answers every request with one handler and
// remembers what it was asked.
type recorder struct {
	mu   sync.Mutex
	reqs []seen
}

func (rec *recorder) serve(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, body []byte)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("Accept"),
			r.Header.Get("Authorization"), body})
		rec.mu.Unlock()
		answer(w, r, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (rec *recorder) requests() []seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seen(nil), rec.reqs...)
}

func answerJSON(status int, body string) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestNewClientTakesOnlyAnHTTPHub(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://hub.example:8443", true},
		{"http://127.0.0.1:8080", true},
		{"ftp://hub.example", false},
		{"http://", false},
		{"hub.example", false},
		{"http://hub.example/%zz", false},
	}
	for _, tt := range tests {
		_, err := benchsync.NewClient(tt.url, "token")
		if tt.ok {
			assert.NoError(t, err, tt.url)
		} else {
			assert.ErrorContains(t, err, "want http(s)://host[:port]", tt.url)
		}
	}
}

func TestHubErrorSaysWhatTheHubAnswered(t *testing.T) {
	assert.Equal(t, "hub answered 502 Bad Gateway", (&benchsync.HubError{StatusCode: http.StatusBadGateway}).Error())
	assert.Equal(t, "hub answered 409: Conflict (sequence_gap): expected event 7", (&benchsync.HubError{StatusCode: http.StatusConflict,
		Problem: wire.Problem{Title: "Conflict", Status: http.StatusConflict, Code: wire.CodeSequenceGap, Detail: "expected event 7"}}).Error())
}

const emptyPage = `{"changes":[],"next_cursor":"c1","has_more":false}`

// Only a request with a body says what the body is; every request asks for
// JSON and carries the bench's token.
func TestClientRequests(t *testing.T) {
	ctx := context.Background()
	var rec recorder
	url := rec.serve(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Method == http.MethodPost {
			answerJSON(http.StatusOK, `{"token":"t-1","bench":"b1","scopes":["intake:write"]}`)(w, r, body)
			return
		}
		answerJSON(http.StatusOK, emptyPage)(w, r, body)
	})
	c, err := benchsync.NewClient(url, "secret")
	require.NoError(t, err)
	_, err = c.Changes(ctx, "", 0)
	require.NoError(t, err)
	_, err = c.Changes(ctx, "c1", 20)
	require.NoError(t, err)
	_, _ = c.Enroll(ctx, "CODE-1", "b1")

	reqs := rec.requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, seen{method: "GET", path: "/v1/changes", query: "include=reviews", accept: "application/json", auth: "Bearer secret", body: []byte{}}, reqs[0],
		"no cursor and no limit: the hub's defaults, with the review queue")
	assert.Equal(t, "cursor=c1&include=reviews&limit=20", reqs[1].query)
	assert.Equal(t, "", reqs[1].contentType, "a GET has no body to describe")
	assert.Equal(t, "POST", reqs[2].method)
	assert.Equal(t, "application/json", reqs[2].contentType)
	assert.JSONEq(t, `{"code":"CODE-1","bench":"b1"}`, string(reqs[2].body))
}

// Any 2xx answer is a success; anything else is the hub's error.
func TestClientTakesEvery2xx(t *testing.T) {
	tests := []struct {
		status int
		ok     bool
	}{
		{http.StatusOK, true},
		{299, true},
		{300, false},
	}
	for _, tt := range tests {
		var rec recorder
		c, err := benchsync.NewClient(rec.serve(t, answerJSON(tt.status, emptyPage)), "t")
		require.NoError(t, err)
		_, err = c.Changes(context.Background(), "", 0)
		if tt.ok {
			assert.NoError(t, err, tt.status)
			continue
		}
		var he *benchsync.HubError
		require.ErrorAs(t, err, &he, "%d", tt.status)
		assert.Equal(t, tt.status, he.StatusCode)
	}
}

func TestCheckIMEI(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   wire.IMEICheck
		err    string
		hubErr bool
	}{
		{"clean", 200, `{"imei":"356938035643809","status":"clean"}`, wire.IMEICheck{IMEI: "356938035643809", Status: wire.IMEIClean}, "", false},
		{"an answer about another IMEI", 200, `{"imei":"490154203237518","status":"clean"}`, wire.IMEICheck{},
			"check IMEI: the hub's answer is unusable: answer is about IMEI 490154203237518", false},
		{"the hub's refusal", 400, `{"status":400,"code":"invalid_imei","title":"Bad IMEI"}`, wire.IMEICheck{}, "hub answered 400", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			url := rec.serve(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				if tt.status != 200 {
					w.Header().Set("Content-Type", wire.ProblemContentType)
					w.WriteHeader(tt.status)
					_, _ = io.WriteString(w, tt.body)
					return
				}
				answerJSON(tt.status, tt.body)(w, r, body)
			})
			c, err := benchsync.NewClient(url, "t")
			require.NoError(t, err)
			got, err := c.CheckIMEI(context.Background(), "356938035643809")
			assert.Equal(t, "/v1/imei/356938035643809", rec.requests()[0].path)
			if tt.err == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			require.ErrorContains(t, err, tt.err)
			var he *benchsync.HubError
			assert.Equal(t, tt.hubErr, errors.As(err, &he))
			assert.Equal(t, wire.IMEICheck{}, got)
		})
	}
}

func TestPutBlob(t *testing.T) {
	const pngBytesSHA = "d013614dc14a37ee20fe92005737ab7d3427e7e93580ad56ef8a42205e7f7a4e" // SHA-256 of "png bytes"
	tests := []struct {
		status int
		ok     bool
	}{
		{http.StatusCreated, true},
		{http.StatusNoContent, true}, // held already
		{http.StatusOK, true},
		{http.StatusAccepted, false},
		{http.StatusInternalServerError, false},
	}
	for _, tt := range tests {
		var rec recorder
		url := rec.serve(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { w.WriteHeader(tt.status) })
		c, err := benchsync.NewClient(url, "t")
		require.NoError(t, err)
		sha, err := c.PutBlob(context.Background(), []byte("png bytes"), "image/png")
		reqs := rec.requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, seen{method: "PUT", path: "/v1/blobs/" + pngBytesSHA, contentType: "image/png", auth: "Bearer t", body: []byte("png bytes")}, reqs[0])
		if tt.ok {
			require.NoError(t, err, tt.status)
			assert.Equal(t, pngBytesSHA, sha)
		} else {
			assert.ErrorContains(t, err, "upload blob: hub answered", tt.status)
		}
	}
}

func TestPutBlobSizeLimit(t *testing.T) {
	var rec recorder
	url := rec.serve(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { w.WriteHeader(http.StatusCreated) })
	c, err := benchsync.NewClient(url, "t")
	require.NoError(t, err)
	_, err = c.PutBlob(context.Background(), bytes.Repeat([]byte{7}, wire.MaxBlobBytes), "image/jpeg")
	require.NoError(t, err, "a blob of exactly the limit is uploaded")
	_, err = c.PutBlob(context.Background(), bytes.Repeat([]byte{7}, wire.MaxBlobBytes+1), "image/jpeg")
	require.ErrorContains(t, err, "blob of 10485761 bytes: the hub takes at most 10485760")
	assert.Len(t, rec.requests(), 1, "a blob over the limit is never sent")
}
