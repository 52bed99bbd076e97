package upgrade_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// linksOf are the accept and decline links of an offer's e-mail, told
// apart by the page each shows: its own answer's button first.
func (e *env) linksOf(offerID string) (accept, decline string) {
	e.t.Helper()
	for _, l := range e.offerLinks() {
		if !strings.Contains(l, "/offers/"+offerID+"/respond?") {
			continue
		}
		page := string(e.get(l).body)
		a, d := strings.Index(page, `value="accept"`), strings.Index(page, `value="decline"`)
		require.True(e.t, a >= 0 && d >= 0, "page of %s: %s", l, page)
		if a < d {
			accept = l
		} else {
			decline = l
		}
	}
	require.NotEmpty(e.t, accept, "no accept link for %s", offerID)
	require.NotEmpty(e.t, decline, "no decline link for %s", offerID)
	return accept, decline
}

// tamper changes one character of a link's token.
func tamper(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	q := u.Query()
	tok := []byte(q.Get("token"))
	i := len(tok) / 3
	if tok[i] == 'A' {
		tok[i] = 'B'
	} else {
		tok[i] = 'A'
	}
	q.Set("token", string(tok))
	u.RawQuery = q.Encode()
	return u.String()
}

func TestOfferLinkFlow(t *testing.T) {
	e := newEnv(t)
	ada := e.customer("ada@example.com", "Ada Lovelace")
	id, offerID := e.at(ada, intake.StatusOffered)
	accept, decline := e.linksOf(offerID)
	assert.True(t, strings.HasPrefix(accept, e.srv.URL+"/api/acme/offers/"+offerID+"/respond?token="), accept)

	// A GET only shows the offer: a mail scanner's fetch answers nothing.
	for _, link := range []string{accept, decline} {
		r := e.get(link)
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
		assert.Equal(t, "no-referrer", r.header.Get("Referrer-Policy"))
		assert.Contains(t, r.header.Get("Content-Security-Policy"), "default-src 'none'")
		page := string(r.body)
		assert.Contains(t, page, "$350.00")
		assert.Contains(t, page, "TI-2024-000001")
		assert.Contains(t, page, "Apple iPhone 13 128GB")
		assert.Contains(t, page, "1 February 2024, 00:00 UTC")
		assert.Contains(t, page, `<form method="post" action="respond">`)
		assert.NotContains(t, page, "http", "the page loads nothing from anywhere")
	}
	e.expectStatus(e.json("GET", "/submissions/"+id, ada, ""), intake.StatusOffered)

	refusals := []struct {
		name, method, link, accept string
		status                     int
		contentType, code          string
	}{
		{"a tampered token", "GET", tamper(t, accept), "", http.StatusForbidden, "text/html; charset=utf-8", ""},
		{"a tampered token, posted", "POST", tamper(t, accept), "", http.StatusForbidden, "text/html; charset=utf-8", ""},
		{"a tampered token, asked as JSON", "GET", tamper(t, accept), "application/json", http.StatusForbidden, "application/problem+json", "invalid_link"},
		{"no token", "GET", strings.Split(accept, "?")[0], "application/json", http.StatusBadRequest, "application/problem+json", "invalid_link"},
		{"another offer's path", "GET", strings.Replace(accept, offerID, "off_0000000000000000", 1), "application/json", http.StatusForbidden, "application/problem+json", "invalid_link"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.link, nil)
			require.NoError(t, err)
			if tt.method == "POST" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			r := e.send(req)
			require.Equal(t, tt.status, r.status, "body: %s", r.body)
			assert.Equal(t, tt.contentType, r.header.Get("Content-Type"))
			if tt.code != "" {
				assert.Equal(t, `"`+tt.code+`"`, r.raw(t, "code"))
			}
		})
	}
	e.expectStatus(e.json("GET", "/submissions/"+id, ada, ""), intake.StatusOffered)

	// The page's form answers: its Accept button posts the link's token.
	u, err := url.Parse(accept)
	require.NoError(t, err)
	r := e.form(e.srv.URL+u.Path, url.Values{"token": {u.Query().Get("token")}, "action": {"accept"}})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Contains(t, string(r.body), "Offer accepted")
	assert.NotContains(t, string(r.body), "<form")
	r = e.json("GET", "/submissions/"+id, ada, "")
	e.expectStatus(r, intake.StatusAccepted)
	var got struct {
		History []struct {
			To string `json:"to"`
			By string `json:"by"`
		} `json:"history"`
	}
	r.decode(t, &got)
	require.NotEmpty(t, got.History)
	assert.Equal(t, "accepted", got.History[len(got.History)-1].To)
	assert.Equal(t, "link", got.History[len(got.History)-1].By)

	// Answered once: the links now say so, and a second answer is refused.
	r = e.get(decline)
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, string(r.body), "You accepted this offer already.")
	assert.NotContains(t, string(r.body), "<form")
	r = e.form(decline, url.Values{"action": {"decline"}})
	require.Equal(t, http.StatusConflict, r.status, "body: %s", r.body)
	e.expectStatus(e.json("GET", "/submissions/"+id, ada, ""), intake.StatusAccepted)
}

func TestOfferLinkDeclinesAndEscapes(t *testing.T) {
	e := newEnv(t)
	ada := e.customer("ada@example.com", "Ada Lovelace")
	id, _ := e.at(ada, intake.StatusSubmitted)
	r := e.json("POST", "/offers", e.adminKey, `{"submission_id":"`+id+`","amount":120.50,"notes":"<script>alert(1)</script> & \"more\"","expires_at":"2024-01-20T12:00:00Z"}`)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	offerID := r.str(t, "id")
	_, decline := e.linksOf(offerID)

	page := string(e.get(decline).body)
	assert.Contains(t, page, "$120.50")
	assert.Contains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;more&#34;")
	assert.NotContains(t, page, "<script>")

	// The decline link's form, as a browser posts it: the token in the
	// form, the reason typed in.
	u, err := url.Parse(decline)
	require.NoError(t, err)
	r = e.form(e.srv.URL+u.Path, url.Values{"token": {u.Query().Get("token")}, "action": {"decline"}, "reason": {"I'll keep it"}})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Contains(t, string(r.body), "Offer declined")
	r = e.json("GET", "/submissions/"+id, ada, "")
	e.expectStatus(r, intake.StatusDeclined)
	var got struct {
		Offer struct {
			Reason string `json:"reason"`
		} `json:"offer"`
	}
	r.decode(t, &got)
	assert.Equal(t, "I'll keep it", got.Offer.Reason)
}

func TestOfferLinkExpiresWithItsOffer(t *testing.T) {
	e := newEnv(t)
	ada := e.customer("ada@example.com", "Ada Lovelace")
	id, offerID := e.at(ada, intake.StatusOffered)
	accept, _ := e.linksOf(offerID)

	e.clock.Set(time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC))
	r := e.get(accept)
	require.Equal(t, http.StatusConflict, r.status, "body: %s", r.body)
	assert.Contains(t, string(r.body), "expired")
	r = e.form(accept, url.Values{"action": {"accept"}})
	require.Equal(t, http.StatusConflict, r.status, "body: %s", r.body)
	e.expectStatus(e.json("GET", "/submissions/"+id, ada, ""), intake.StatusOffered)
}
