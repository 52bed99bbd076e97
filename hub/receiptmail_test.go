package hub_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/mail"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/internal/mailpittest"
)

// receiptHub is a hub that e-mails through a real mailpit.
func receiptHub(t *testing.T) (*hubtest.Hub, *mailpittest.Server) {
	t.Helper()
	mp := mailpittest.Start(t)
	smtp, err := mail.NewSMTP(mail.SMTPConfig{Addr: mp.SMTPAddr, From: "Acme Trade-ins <trade-ins@acme.test>", NoSTARTTLS: true})
	require.NoError(t, err)
	h := hubtest.New(t, hubtest.Config{Hub: hub.Config{Business: "Acme Trade-ins", BusinessAddress: "1 Dock Rd\nAustin TX 78701", Mailer: smtp}})
	return h, mp
}

// receiptMails delivers the outbox and returns the receipt e-mails in
// mailpit, newest first.
func receiptMails(t *testing.T, h *hubtest.Hub, mp *mailpittest.Server) []mailpittest.Summary {
	t.Helper()
	ctx := context.Background()
	_, err := h.DeliverMail(ctx)
	require.NoError(t, err)
	list, err := mp.Messages(ctx)
	require.NoError(t, err)
	var out []mailpittest.Summary
	for _, m := range list {
		if strings.Contains(m.Subject, "receipt") {
			out = append(out, m)
		}
	}
	return out
}

// attachedPDFText reads the PDF attached to a message as pdftotext does,
// its whitespace collapsed.
func attachedPDFText(t *testing.T, raw []byte) string {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/mixed", mt)
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			t.Fatal("no PDF attached")
		}
		require.NoError(t, err)
		if !strings.HasPrefix(p.Header.Get("Content-Type"), "application/pdf") {
			continue
		}
		assert.Equal(t, "base64", p.Header.Get("Content-Transfer-Encoding"))
		pdf, err := io.ReadAll(p) // NextPart decodes no base64: do it here
		require.NoError(t, err)
		file := filepath.Join(t.TempDir(), "receipt.pdf")
		require.NoError(t, os.WriteFile(file, decodeBase64(t, pdf), 0o600))
		out, err := exec.Command("pdftotext", "-layout", file, "-").Output()
		require.NoError(t, err, "pdftotext (poppler-utils, make deps)")
		return strings.Join(strings.Fields(string(out)), " ")
	}
}

// TestAWalkInsReceiptIsEmailedOnce: the hub e-mails the receipt it renders
// itself when it applies a walk-in, once however often the event comes.
func TestAWalkInsReceiptIsEmailedOnce(t *testing.T) {
	ctx := context.Background()
	h, mp := receiptHub(t)
	b := enrollBench(t, h, "counter-1")
	ev := b.walkIn(t, testIMEI(t, 1), opClerk, func(p *walkInPayload) {
		p.TradeIn.Reference = "WI-RCPT0001"
		p.TradeIn.Customer.Email = "zoe@example.com"
	})
	r := b.push(t, ev)[0]
	require.Equal(t, "applied", string(r.Status), r.Detail)
	list := receiptMails(t, h, mp)
	require.Len(t, list, 1)
	assert.Equal(t, "Your receipt for trade-in WI-RCPT0001", list[0].Subject)
	require.Len(t, list[0].To, 1)
	assert.Equal(t, "zoe@example.com", list[0].To[0].Address)
	raw, err := mp.Raw(ctx, list[0].ID)
	require.NoError(t, err)
	assertReceiptPDF(t, attachedPDFText(t, raw))

	// The same event again is a duplicate: no second e-mail.
	require.Equal(t, "duplicate", string(b.push(t, ev)[0].Status))
	assert.Len(t, receiptMails(t, h, mp), 1)

	// An administrator may send it again.
	// The hub renders it again from what it stored: the same receipt.
	require.NoError(t, h.ResendWalkInReceipt(ctx, ev.TradeInID))
	list = receiptMails(t, h, mp)
	require.Len(t, list, 2)
	raw, err = mp.Raw(ctx, list[0].ID)
	require.NoError(t, err)
	assertReceiptPDF(t, attachedPDFText(t, raw))
}

// assertReceiptPDF checks the receipt of the walk-in of
// TestAWalkInsReceiptIsEmailedOnce: the hub's business and address, the
// reference, the clerk and the catalog's price the hub paid.
func assertReceiptPDF(t *testing.T, text string) {
	t.Helper()
	for _, want := range []string{"Acme Trade-ins", "1 Dock Rd", "Austin TX 78701", "Trade-in receipt WI-RCPT0001",
		"Customer Ada Lovelace", "Clerk Carl Clerk at counter-1", "Amount paid by store credit $72.45"} {
		assert.Contains(t, text, want)
	}
}

// TestAReceiptIsEmailedAgainOnlyForAWalkInWithAnAddress: the refusals of
// sending it again name what is missing.
func TestAReceiptIsEmailedAgainOnlyForAWalkInWithAnAddress(t *testing.T) {
	ctx := context.Background()
	h, mp := receiptHub(t)
	b := enrollBench(t, h, "counter-1")
	ev := b.walkIn(t, testIMEI(t, 2), opClerk, func(p *walkInPayload) { p.TradeIn.Customer.Email = "" })
	require.Equal(t, "applied", string(b.push(t, ev)[0].Status))
	online := putTradeIn(t, h, newTradeIn("ti-online", testIMEI(t, 3)))
	for _, tc := range []struct {
		name, id, code string
		kind           hub.Kind
	}{
		{"unknown trade-in", "ti-nowhere", "submission_not_found", hub.KindNotFound},
		{"not a walk-in", online.ID, "not_a_walk_in", hub.KindConflict},
		{"no e-mail address", ev.TradeInID, "no_email_address", hub.KindConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := h.ResendWalkInReceipt(ctx, tc.id)
			var he *hub.Error
			require.ErrorAs(t, err, &he)
			assert.Equal(t, tc.code, he.Code)
			assert.Equal(t, tc.kind, he.Kind)
		})
	}
	assert.Empty(t, receiptMails(t, h, mp))
}

func decodeBase64(t *testing.T, lines []byte) []byte {
	t.Helper()
	out, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(lines)))
	require.NoError(t, err)
	return out
}

// TestAPushedWalkInsReceiptGoesAtOnce: the push wakes the mail loop after
// its commit, so the receipt does not wait for the loop's next tick (an
// hour here).
func TestAPushedWalkInsReceiptGoesAtOnce(t *testing.T) {
	box := newMailbox()
	h := hubtest.New(t, hubtest.Config{Hub: hub.Config{Business: "Acme Trade-ins", Mailer: box}})
	b := enrollBench(t, h, "counter-1")
	wait := func(subject string) {
		t.Helper()
		select {
		case m := <-box.sent:
			require.Equal(t, subject, m.Subject)
		case <-time.After(10 * time.Second):
			t.Fatalf("no e-mail %q: it waits for the loop's next tick", subject)
		}
	}

	// A first receipt, queued through a second hub on the database, whose
	// wake this hub does not hear: the loop's first round sends it, so
	// the loop is past that round's look at the outbox before the push.
	first := b.walkIn(t, testIMEI(t, 1), opClerk, func(p *walkInPayload) {
		p.TradeIn.Reference, p.TradeIn.Customer.Email = "WI-WAKE0001", "zoe@example.com"
	})
	a := call(t, http.MethodPost, h.Another(t)+"/v1/events", b.token, wire.PushRequest{Bench: b.name, Events: []wire.Event{first}})
	require.Equal(t, http.StatusOK, a.status, "%s", a.body)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.RunLifecycle(ctx, time.Hour)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	wait("Your receipt for trade-in WI-WAKE0001")

	second := b.walkIn(t, testIMEI(t, 2), opClerk, func(p *walkInPayload) {
		p.TradeIn.Reference, p.TradeIn.Customer.Email = "WI-WAKE0002", "zoe@example.com"
	})
	require.Equal(t, "applied", string(b.push(t, second)[0].Status))
	wait("Your receipt for trade-in WI-WAKE0002")
}
