package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/linktoken"
)

// The dashboard's staff are the hub's operators with the supervisor role,
// logging in with their operator id and bench PIN (the hub keeps only the
// PIN's hash): the same people who decide reroutes at the benches decide
// offers here. Technicians and clerks work at benches only.
//
// A session is a signed cookie naming the operator and a random session
// id, for sessionLife; nothing is stored. Every request looks the operator
// up again, so an operator removed or demoted at the hub is logged out at
// once. The CSRF token of a session is its id signed for another purpose:
// a form's token must be the session's own.

const (
	sessionCookie  = "ib_staff"
	sessionPurpose = "web-staff"
	csrfPurpose    = "web-csrf"
	sessionLife    = 12 * time.Hour
)

// staff is the operator logged in.
type staff struct {
	ID, Name string
	session  string // the random session id
	Expires  time.Time
}

func (s *Site) secureRequest(r *http.Request) bool { return s.secure || r.TLS != nil }

// startSession sets the cookie of a new session for operator id.
func (s *Site) startSession(w http.ResponseWriter, r *http.Request, id string) error {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	expires := s.now().Add(sessionLife)
	token, err := s.links.Sign(linktoken.Claims{Purpose: sessionPurpose, Subject: id + "/" + hex.EncodeToString(b), Expires: expires})
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/dashboard", MaxAge: int(sessionLife.Seconds()),
		HttpOnly: true, Secure: s.secureRequest(r), SameSite: http.SameSiteStrictMode})
	return nil
}

func (s *Site) endSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/dashboard", MaxAge: -1,
		HttpOnly: true, Secure: s.secureRequest(r), SameSite: http.SameSiteStrictMode})
}

// session returns the operator of the request's session cookie, if it is
// a live one of a supervisor the hub still has.
func (s *Site) session(r *http.Request) (*staff, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, nil
	}
	claims, err := s.links.Verify(c.Value, sessionPurpose, s.now())
	if err != nil {
		return nil, nil
	}
	id, session, ok := strings.Cut(claims.Subject, "/")
	if !ok {
		return nil, nil
	}
	o, err := s.operator(r.Context(), id)
	if errors.Is(err, hubdb.ErrNotFound) || (err == nil && o.Role != intake.RoleSupervisor) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &staff{ID: o.ID, Name: o.Name, session: session, Expires: claims.Expires}, nil
}

func (s *Site) operator(ctx context.Context, id string) (o wire.Operator, err error) {
	err = s.hub.DB().View(ctx, func(tx *hubdb.Tx) error {
		o, err = tx.Operator(ctx, id)
		return err
	})
	return o, err
}

// csrf is the token the session's forms carry.
func (s *Site) csrf(st *staff) string {
	token, err := s.links.Sign(linktoken.Claims{Purpose: csrfPurpose, Subject: st.session, Expires: st.Expires})
	if err != nil {
		return ""
	}
	return token
}

// csrfOK checks a form's token against the session's.
func (s *Site) csrfOK(r *http.Request, st *staff) bool {
	want := s.csrf(st)
	got := r.PostFormValue("csrf")
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// login checks an operator's PIN: an unknown operator, a wrong PIN and an
// operator who is no supervisor get the same answer.
func (s *Site) login(ctx context.Context, r *http.Request, id, pin string) (bool, time.Duration) {
	now := s.now()
	for _, key := range []string{"login-op:" + id, "login-ip:" + clientAddr(r)} {
		if ok, wait := s.logins.Allow(key, now); !ok {
			return false, wait
		}
	}
	o, err := s.operator(ctx, id)
	if err != nil {
		// Spend what a check costs, so timing does not tell who exists.
		_, _ = intake.VerifyPIN(s.dummyPIN, pin)
		return false, 0
	}
	ok, err := intake.VerifyPIN(o.PINHash, pin)
	return err == nil && ok && o.Role == intake.RoleSupervisor, 0
}

// actor is who the hub records for a staff member's step.
func (st *staff) actor() hub.Actor { return hub.Actor{Kind: "operator", ID: st.ID} }
