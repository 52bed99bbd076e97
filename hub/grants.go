package hub

import (
	"context"
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/httpx"
)

// GrantKey is the public key that verifies the hub's grants; benches keep
// it to check a grant offline.
func (h *Hub) GrantKey() ed25519.PublicKey { return h.grantKey.Public().(ed25519.PublicKey) }

// IssueGrant signs a supervisor's grant for a session at the authenticated
// bench, once the hub itself has checked the supervisor's PIN or badge.
// Wrong credentials, an unknown operator and an operator who is no
// supervisor get the same answer, so the answer tells nothing about which.
func (h *Hub) IssueGrant(ctx context.Context, a benchAuth, req wire.GrantRequest) (wire.GrantResponse, error) {
	refused := refuse(KindForbidden, wire.CodeGrantRefused, "The operator, PIN or badge is wrong, or the operator is no supervisor.")
	if ok, wait := h.grantAttempts.Allow(a.bench+"\x00"+req.Operator, h.now()); !ok {
		return wire.GrantResponse{}, &unavailable{http.StatusTooManyRequests, wire.CodeRateLimited,
			"Too many tries for this operator at this bench; wait before trying again.", wait}
	}
	session, err := base64.RawURLEncoding.DecodeString(req.SessionKey)
	if err != nil || len(session) != ed25519.PublicKeySize {
		return wire.GrantResponse{}, refuse(KindInvalid, wire.CodeInvalidRequest, "session_key is an Ed25519 public key, base64url without padding.")
	}
	var o wire.Operator
	var benchSite, opSite string
	err = h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		if o, err = tx.Operator(ctx, req.Operator); err != nil {
			return err
		}
		if benchSite, err = tx.BenchSite(ctx, a.bench); err != nil {
			return err
		}
		opSite, err = tx.SiteOf(ctx, wire.EntityOperator, o.ID)
		return err
	})
	if errors.Is(err, hubdb.ErrNotFound) {
		return wire.GrantResponse{}, refused
	}
	if err != nil {
		return wire.GrantResponse{}, err
	}
	if !credentialMatches(o, req) || o.Role != intake.RoleSupervisor {
		return wire.GrantResponse{}, refused
	}
	// Checked after the credential, so that it tells nothing to a guess.
	if benchSite != "" && opSite != "" && benchSite != opSite {
		return wire.GrantResponse{}, refuse(KindForbidden, wire.CodeGrantRefused,
			"Supervisor %s works at site %s, not at this bench's site %s.", o.ID, opSite, benchSite)
	}
	now := h.now().UTC()
	g := intake.Grant{Bench: a.bench, Operator: o.ID, Role: o.Role, SessionKey: session, IssuedAt: now, Expires: now.Add(h.grantLife)}
	token, err := intake.SignGrant(h.grantKey, g)
	if err != nil {
		return wire.GrantResponse{}, err
	}
	h.log.InfoContext(ctx, "supervisor grant issued", "bench", a.bench, "operator", o.ID, "expires", g.Expires)
	return wire.GrantResponse{Grant: token, Expires: g.Expires, HubKey: base64.RawURLEncoding.EncodeToString(h.GrantKey())}, nil
}

// credentialMatches checks a PIN against the operator's hash, or a badge
// against theirs in constant time.
func credentialMatches(o wire.Operator, req wire.GrantRequest) bool {
	if req.PIN != "" {
		ok, err := intake.VerifyPIN(o.PINHash, req.PIN)
		return err == nil && ok
	}
	return o.Badge != "" && subtle.ConstantTimeCompare([]byte(o.Badge), []byte(req.Badge)) == 1
}

// checkAuthority decides whether a supervisor's decision carries the hub's
// grant for this bench and operator at the event's time, and the session's
// signature of the event.
func checkAuthority(hubKey ed25519.PublicKey, ev wire.Event, bench string) *Rejection {
	if ev.Grant == "" || ev.Proof == "" {
		return reject(wire.RejectGrantRequired, "A supervisor's decision needs the hub's grant: the supervisor logs in while the bench reaches the hub.")
	}
	g, err := intake.VerifyGrant(hubKey, ev.Grant)
	if err == nil {
		err = g.Covers(bench, ev.Operator, ev.At)
	}
	if err == nil && g.Role != intake.RoleSupervisor {
		err = errors.New("the grant is no supervisor's")
	}
	if err == nil {
		var fp []byte
		if fp, err = intake.Fingerprint(ev.Kind, ev.TradeInID, ev.Operator, ev.Bench, ev.At, ev.Payload); err == nil {
			err = g.VerifyProof(fp, ev.Proof)
		}
	}
	if err != nil {
		return reject(wire.RejectGrantRequired, "The decision's authority does not hold: %s.", err.Error())
	}
	return nil
}

func (s *Server) grant(w http.ResponseWriter, r *http.Request, a benchAuth) error {
	body, err := s.readBody(w, r, "bench "+a.bench, wire.MaxSmallBody)
	if err != nil {
		return err
	}
	var req wire.GrantRequest
	if err := decodeBody(body, wire.MaxSmallBody, &req); err != nil {
		return err
	}
	resp, err := s.hub.IssueGrant(r.Context(), a, req)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, resp)
	return nil
}
