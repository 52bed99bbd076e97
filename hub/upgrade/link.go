package upgrade

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
)

// The quote e-mail's accept and decline links (seed 001: "they get an
// accept / decline link"). A GET only shows the offer, with Accept and
// Decline buttons: mail scanners fetch links to look for malware, and a
// fetch must not answer anyone's offer. The buttons POST the form, and
// the POST answers. The signed token of either link names the offer and
// stands for its customer, who holds both links in the same e-mail: the
// page offers both answers, the link's own first.

// linkPage is what the page shows.
type linkPage struct {
	Title     string
	Message   string
	Reference string
	Device    string
	Amount    string
	Notes     string
	Expires   string
	Token     string
	AcceptNow bool // the page shows the buttons, the link's answer first
	Open      bool
}

var linkTemplate = template.Must(template.New("offer").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.5}
.amount{font-size:2.5rem;font-weight:700;margin:.5rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}dt{color:#555}dd{margin:0}
button{font-size:1.1rem;padding:.75rem 1.5rem;margin:.5rem .5rem .5rem 0;border-radius:.5rem;border:1px solid #888;cursor:pointer}
button.accept{background:#17663a;color:#fff;border-color:#17663a}
textarea{width:100%;box-sizing:border-box;font:inherit}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{with .Message}}<p>{{.}}</p>{{end}}
{{if .Amount}}<p class="amount">{{.Amount}}</p>
<dl>
<dt>Trade-in</dt><dd>{{.Reference}}</dd>
<dt>Device</dt><dd>{{.Device}}</dd>
{{with .Notes}}<dt>Notes</dt><dd>{{.}}</dd>{{end}}
{{with .Expires}}<dt>Offer expires</dt><dd>{{.}}</dd>{{end}}
</dl>{{end}}
{{if .Open}}<form method="post" action="respond">
<input type="hidden" name="token" value="{{.Token}}">
{{if .AcceptNow}}<button class="accept" type="submit" name="action" value="accept">Accept</button>
<button type="submit" name="action" value="decline">Decline</button>
<p><label for="reason">If you decline, tell us why (optional):</label><br><textarea id="reason" name="reason" rows="3" maxlength="2000"></textarea></p>
{{else}}<p><label for="reason">Why are you declining? (optional)</label><br><textarea id="reason" name="reason" rows="3" maxlength="2000"></textarea></p>
<button type="submit" name="action" value="decline">Decline</button>
<button class="accept" type="submit" name="action" value="accept">Accept</button>
{{end}}</form>{{end}}
</body>
</html>
`))

// writePage answers an HTML page that loads nothing from anywhere, cannot
// be framed, and sends no Referer (its URL holds the token).
func writePage(w http.ResponseWriter, status int, p linkPage) {
	var buf bytes.Buffer
	if err := linkTemplate.Execute(&buf, p); err != nil {
		http.Error(w, "the page failed to render", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// linkFailed answers a refused link: a page for a browser, a problem for
// a client that asks for JSON.
func (a *API) linkFailed(w http.ResponseWriter, r *http.Request, err error) {
	if strings.Contains(r.Header.Get("Accept"), "json") {
		a.writeProblem(w, r, err)
		return
	}
	p, _, ok := problemOf(err)
	if !ok {
		a.log.ErrorContext(r.Context(), "upgrade offer link failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	title := "This link cannot be used"
	if p.Status >= 500 {
		title = "Something went wrong"
	}
	writePage(w, p.Status, linkPage{Title: title, Message: p.Detail})
}

// verifyLink reads the link's token and checks it names the offer of the
// path.
func (a *API) verifyLink(r *http.Request, token string) (offerID string, accept bool, err error) {
	id, err := pathID(r, hub.CodeOfferNotFound, "offer")
	if err != nil {
		return "", false, err
	}
	if token == "" {
		return "", false, &requestError{status: http.StatusBadRequest, code: codeInvalidLink, detail: "The link has no token: open the link from the e-mail as it is."}
	}
	if len(token) > 2048 {
		return "", false, &requestError{status: http.StatusForbidden, code: codeInvalidLink, detail: "This link is not one the hub sent, or it was changed."}
	}
	offerID, accept, err = a.hub.VerifyOfferLink(token)
	if err != nil {
		return "", false, err
	}
	if offerID != id {
		return "", false, &requestError{status: http.StatusForbidden, code: codeInvalidLink, detail: "This link is not one the hub sent, or it was changed."}
	}
	return offerID, accept, nil
}

// handleLinkPage shows the offer of an e-mailed link with its buttons.
func (a *API) handleLinkPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	offerID, accept, err := a.verifyLink(r, token)
	if err != nil {
		a.linkFailed(w, r, err)
		return
	}
	page, err := a.offerPage(r, offerID)
	if err != nil {
		a.linkFailed(w, r, err)
		return
	}
	page.Token, page.AcceptNow = token, accept
	writePage(w, http.StatusOK, page)
}

// handleLinkAnswer answers the offer from the page's form.
func (a *API) handleLinkAnswer(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxJSONBody)
	if err := r.ParseForm(); err != nil {
		a.linkFailed(w, r, badRequest("The form could not be read: "+err.Error()+"."))
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		token = r.URL.Query().Get("token")
	}
	offerID, accept, err := a.verifyLink(r, token)
	if err != nil {
		a.linkFailed(w, r, err)
		return
	}
	if action := r.PostForm.Get("action"); action != "" {
		if accept, err = parseAction(action); err != nil {
			a.linkFailed(w, r, err)
			return
		}
	}
	if _, err := a.hub.AnswerOffer(r.Context(), "", offerID, accept, r.PostForm.Get("reason")); err != nil {
		a.linkFailed(w, r, err)
		return
	}
	page, err := a.offerPage(r, offerID)
	if err != nil {
		a.linkFailed(w, r, err)
		return
	}
	page.Open = false
	if accept {
		page.Title, page.Message = "Offer accepted", "Thank you: you accepted the offer. We will e-mail you how to send the device."
	} else {
		page.Title, page.Message = "Offer declined", "You declined the offer. Nothing more happens to your device."
	}
	writePage(w, http.StatusOK, page)
}

// offerPage is the page of an offer as it now stands.
func (a *API) offerPage(r *http.Request, offerID string) (linkPage, error) {
	o, err := a.offer(r.Context(), offerID)
	if err != nil {
		return linkPage{}, err
	}
	v, err := a.hub.Submission(r.Context(), "", o.TradeInID)
	if err != nil {
		return linkPage{}, err
	}
	t := v.TradeIn
	shown := offerOf(o, a.hub.Now())
	p := linkPage{Title: "Your trade-in offer", Reference: t.Reference, Amount: a.currency + intake.Cents(o.Amount).String(), Notes: o.Notes,
		Device:  strings.Join(strings.Fields(strings.Join([]string{t.Device.Make, t.Device.Model, t.Device.Storage}, " ")), " "),
		Expires: o.ExpiresAt.UTC().Format("2 January 2006, 15:04 MST")}
	switch shown.Status {
	case "open":
		p.Open = true
	case "expired":
		p.Message = "This offer has expired. Contact us for a new one."
	case "accepted":
		p.Message = "You accepted this offer already."
	case "declined":
		p.Message = "You declined this offer already."
	case "superseded":
		p.Message = "A newer offer replaced this one: look for it in your e-mail."
	default:
		p.Message = fmt.Sprintf("This offer is %s.", shown.Status)
	}
	return p, nil
}
