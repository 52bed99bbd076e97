package benchsync

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/retryafter"
)

// Client speaks the /v1 contract to one hub with one bench token. Every
// answer is decoded and validated by package wire before it is returned.
type Client struct {
	base    *url.URL
	token   string
	http    *http.Client
	timeout time.Duration
}

// ClientOption changes a Client.
type ClientOption func(*Client)

// WithHTTPClient sets the HTTP client (transport, TLS roots, proxies).
func WithHTTPClient(c *http.Client) ClientOption { return func(cl *Client) { cl.http = c } }

// WithRequestTimeout bounds each request, the body included.
func WithRequestTimeout(d time.Duration) ClientOption { return func(cl *Client) { cl.timeout = d } }

// NewClient returns a client of the hub at hubURL. token may be empty for
// enrollment.
func NewClient(hubURL, token string, opts ...ClientOption) (*Client, error) {
	u, err := url.Parse(hubURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("hub URL %q: want http(s)://host[:port]", hubURL)
	}
	c := &Client{base: u, token: token, http: &http.Client{}, timeout: time.Minute}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// HubError is an error answer of the hub.
type HubError struct {
	StatusCode int
	// Problem is the hub's problem; an answer that was not a problem (a
	// proxy's error page) leaves Code empty.
	Problem    wire.Problem
	RetryAfter time.Duration
}

func (e *HubError) Error() string {
	if e.Problem.Code == "" {
		return fmt.Sprintf("hub answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	return fmt.Sprintf("hub answered %d: %s", e.StatusCode, e.Problem.Error())
}

// Code is the problem code, "" for an answer that was not a problem.
func (e *HubError) Code() string { return e.Problem.Code }

// ResponseError is an answer that broke the contract: malformed, too large
// or invalid. Nothing of it was used.
type ResponseError struct {
	Op  string
	Err error
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("%s: the hub's answer is unusable: %v", e.Op, e.Err)
}
func (e *ResponseError) Unwrap() error { return e.Err }

// Enroll trades a one-time code for the bench token.
func (c *Client) Enroll(ctx context.Context, code, bench string) (wire.EnrollResponse, error) {
	var resp wire.EnrollResponse
	err := c.do(ctx, "enroll", http.MethodPost, "/v1/enroll", nil, wire.EnrollRequest{Code: code, Bench: bench}, wire.MaxSmallBody, &resp)
	return resp, err
}

// Changes fetches the page of changes after cursor.
func (c *Client) Changes(ctx context.Context, cursor string, limit int) (wire.ChangesPage, error) {
	body, err := c.changesBody(ctx, cursor, limit)
	if err != nil {
		return wire.ChangesPage{}, err
	}
	page, _, err := decodePage(body)
	return page, err
}

// changesBody fetches the page of changes after cursor as the hub sent it,
// read but not yet decoded: the engine reads where the log goes on off its
// start (wire.PeekPage) and asks for the next page while it decodes this
// one (decodePage).
func (c *Client) changesBody(ctx context.Context, cursor string, limit int) ([]byte, error) {
	// The review queue and the quarantine shelf come with the rest: every
	// bench shows them to a supervisor who logs in at it.
	q := url.Values{"include": {wire.IncludeReviews}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var body []byte
	err := c.exchange(ctx, "pull", http.MethodGet, "/v1/changes", q, nil, func(r io.Reader) (err error) {
		body, err = wire.ReadPage(r, wire.MaxPageBytes)
		return err
	})
	return body, err
}

// decodePage decodes a body of changesBody, with the JSON of each change's
// trade-in as the hub sent it, for the store to keep (see
// wire.DecodeChangesPage).
func decodePage(body []byte) (wire.ChangesPage, [][]byte, error) {
	var page wire.ChangesPage
	docs, err := wire.DecodePage(body, wire.MaxPageBytes, &page)
	if err != nil {
		return wire.ChangesPage{}, nil, &ResponseError{Op: "pull", Err: err}
	}
	return page, docs, nil
}

// Push sends events and returns the hub's answer for each, checked to
// answer exactly the events sent.
func (c *Client) Push(ctx context.Context, req wire.PushRequest) (wire.PushResponse, error) {
	var resp wire.PushResponse
	if err := c.do(ctx, "push", http.MethodPost, "/v1/events", nil, req, wire.MaxPushBytes, &resp); err != nil {
		return resp, err
	}
	if err := resp.Answers(req); err != nil {
		return wire.PushResponse{}, &ResponseError{Op: "push", Err: err}
	}
	return resp, nil
}

// Grant asks the hub for a supervisor's grant of a session, proving the
// supervisor with a PIN or a badge. The answer must verify with the key the
// hub sent and be for the session asked for.
func (c *Client) Grant(ctx context.Context, req wire.GrantRequest) (wire.GrantResponse, error) {
	var resp wire.GrantResponse
	if err := c.do(ctx, "grant", http.MethodPost, "/v1/grants", nil, req, wire.MaxSmallBody, &resp); err != nil {
		return resp, err
	}
	key, err := base64.RawURLEncoding.DecodeString(resp.HubKey)
	if err != nil {
		return wire.GrantResponse{}, &ResponseError{Op: "grant", Err: fmt.Errorf("hub key: %w", err)}
	}
	g, err := intake.VerifyGrant(key, resp.Grant)
	if err != nil {
		return wire.GrantResponse{}, &ResponseError{Op: "grant", Err: err}
	}
	if base64.RawURLEncoding.EncodeToString(g.SessionKey) != req.SessionKey || g.Operator != req.Operator {
		return wire.GrantResponse{}, &ResponseError{Op: "grant", Err: errors.New("the grant is for another session")}
	}
	return resp, nil
}

// Granter is the client as intake.Login asks for supervisors' grants.
type Granter struct{ Client *Client }

// Grant implements intake.Granter.
func (g Granter) Grant(ctx context.Context, operatorID, pin, badge string, sessionKey ed25519.PublicKey) (string, error) {
	resp, err := g.Client.Grant(ctx, wire.GrantRequest{Operator: operatorID, PIN: pin, Badge: badge,
		SessionKey: base64.RawURLEncoding.EncodeToString(sessionKey)})
	return resp.Grant, err
}

// CheckIMEI asks the device registry about imei.
func (c *Client) CheckIMEI(ctx context.Context, imei string) (wire.IMEICheck, error) {
	var check wire.IMEICheck
	if err := c.do(ctx, "check IMEI", http.MethodGet, "/v1/imei/"+url.PathEscape(imei), nil, nil, wire.MaxSmallBody, &check); err != nil {
		return check, err
	}
	if check.IMEI != imei {
		return wire.IMEICheck{}, &ResponseError{Op: "check IMEI", Err: fmt.Errorf("answer is about IMEI %s", check.IMEI)}
	}
	return check, nil
}

// BenchRelease asks which bench release the hub offers; ok is false when
// it offers none (a 404 answer).
func (c *Client) BenchRelease(ctx context.Context) (rel wire.BenchRelease, ok bool, err error) {
	err = c.do(ctx, "ask for the bench release", http.MethodGet, "/v1/bench-release", nil, nil, wire.MaxSmallBody, &rel)
	if herr := (*HubError)(nil); errors.As(err, &herr) && herr.StatusCode == http.StatusNotFound {
		return wire.BenchRelease{}, false, nil
	}
	return rel, err == nil, err
}

// PutBlob uploads content under its SHA-256 and returns the hash. Uploading
// the same content again is harmless.
func (c *Client) PutBlob(ctx context.Context, content []byte, mediaType string) (string, error) {
	if len(content) > wire.MaxBlobBytes {
		return "", fmt.Errorf("blob of %d bytes: the hub takes at most %d", len(content), wire.MaxBlobBytes)
	}
	sum := sha256.Sum256(content)
	name := hex.EncodeToString(sum[:])
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.base.JoinPath("/v1/blobs", name).String(), bytes.NewReader(content))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mediaType)
	resp, err := c.send(req)
	if err != nil {
		return "", fmt.Errorf("upload blob: %w", err)
	}
	defer drain(resp.Body)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("upload blob: %w", hubError(resp, time.Now()))
	}
	return name, nil
}

func (c *Client) do(ctx context.Context, op, method, path string, query url.Values, body any, limit int64, out wire.Validator) error {
	return c.exchange(ctx, op, method, path, query, body, func(r io.Reader) error { return wire.Decode(r, limit, out) })
}

// exchange sends a request and decodes a successful answer with decode,
// which must read and check it all.
func (c *Client) exchange(ctx context.Context, op, method, path string, query url.Values, body any, decode func(io.Reader) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		rd = bytes.NewReader(b)
	}
	u := c.base.JoinPath(path)
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.send(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer drain(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s: %w", op, hubError(resp, time.Now()))
	}
	if err := decode(resp.Body); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%s: %w", op, ctxErr)
		}
		return &ResponseError{Op: op, Err: err}
	}
	return nil
}

func (c *Client) send(req *http.Request) (*http.Response, error) {
	req.Header.Set("User-Agent", "intakebench-sync/1")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	// http.Client errors name the URL, never the headers: the token stays out of logs.
	return c.http.Do(req)
}

// drain reads a little of what is left so the connection can be reused.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}

// hubError reads an error answer received at now.
func hubError(resp *http.Response, now time.Time) *HubError {
	// An unreadable Retry-After is no wait: the engine's backoff applies.
	wait, _ := retryafter.Parse(resp.Header.Get("Retry-After"), now, maxRetryAfter)
	e := &HubError{StatusCode: resp.StatusCode, RetryAfter: wait}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == wire.ProblemContentType {
		var p wire.Problem
		if err := wire.Decode(resp.Body, wire.MaxSmallBody, &p); err == nil && p.Status == resp.StatusCode {
			e.Problem = p
		}
	}
	if e.Problem.Code == "" {
		e.Problem = wire.Problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
	}
	return e
}

// maxRetryAfter caps what a hub may ask a bench to wait.
const maxRetryAfter = 10 * time.Minute

// retryAfter is how long the hub asked to wait before err's retry, if it did.
func retryAfter(err error) time.Duration {
	var he *HubError
	if errors.As(err, &he) {
		return he.RetryAfter
	}
	return 0
}

// Check asks the hub's registry about an IMEI, in the domain's terms: what
// the walk-in screen needs before it quotes.
func (c *Client) Check(ctx context.Context, imei string) (intake.IMEICheck, error) {
	w, err := c.CheckIMEI(ctx, imei)
	if err != nil {
		return intake.IMEICheck{}, err
	}
	return intake.IMEICheck{IMEI: w.IMEI, Status: intake.IMEIStatus(w.Status), Reason: w.Reason}, nil
}
