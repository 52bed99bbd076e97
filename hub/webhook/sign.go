package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers on every delivery.
const (
	HeaderID        = "X-Webhook-Id"
	HeaderTimestamp = "X-Webhook-Timestamp"
	HeaderSignature = "X-Webhook-Signature"
)

// Errors Verify reports; test with errors.Is.
var (
	ErrMissingSignature = errors.New("webhook: missing signature or timestamp header")
	ErrBadTimestamp     = errors.New("webhook: timestamp outside tolerance")
	ErrBadSignature     = errors.New("webhook: signature does not match")
)

// Sign returns the X-Webhook-Signature value for body sent at timestamp
// (unix seconds): "sha256=" and the hex HMAC-SHA256 of "timestamp.body".
// The timestamp is inside the MAC so a captured request cannot be replayed
// later with a fresh timestamp.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a received delivery: the signature must match body and the
// timestamp header under secret, and the timestamp must be within tolerance
// of now (tolerance <= 0 skips the age check). The signature header may
// carry several comma-separated values, so a sender can sign with an old
// and a new secret while rotating.
func Verify(secret string, header http.Header, body []byte, tolerance time.Duration) error {
	return VerifyAt(secret, header, body, tolerance, time.Now())
}

// VerifyAt is Verify with an explicit current time.
func VerifyAt(secret string, header http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	tsText, sigs := header.Get(HeaderTimestamp), header.Get(HeaderSignature)
	if tsText == "" || sigs == "" {
		return ErrMissingSignature
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not unix seconds", ErrBadTimestamp, tsText)
	}
	if tolerance > 0 {
		if age := now.Sub(time.Unix(ts, 0)); age > tolerance || age < -tolerance {
			return fmt.Errorf("%w: %s old, tolerance %s", ErrBadTimestamp, age.Round(time.Second), tolerance)
		}
	}
	want := []byte(Sign(secret, ts, body))
	for s := range strings.SplitSeq(sigs, ",") {
		if hmac.Equal([]byte(strings.TrimSpace(s)), want) {
			return nil
		}
	}
	return ErrBadSignature
}
