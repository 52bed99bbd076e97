package upgrade

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/intakebench/intakebench/hub"
)

// caller is who a request comes from: a customer by their session, or an
// admin by an API key with the tradeins:admin scope.
type caller struct {
	customer *hub.Customer
	admin    bool
	// keyID names the admin's key in the trade-in's history (keyName).
	keyID string
	// token is the customer's session token, for logout.
	token string
}

// actor is who the hub records for a step the caller asks for.
func (c caller) actor() hub.Actor {
	if c.admin {
		return hub.Actor{Kind: "admin", ID: c.keyID}
	}
	return hub.Actor{Kind: "customer", ID: c.customer.ID}
}

// customerID is the customer a request is limited to: "" for an admin,
// who sees every customer's.
func (c caller) customerID() string {
	if c.admin {
		return ""
	}
	return c.customer.ID
}

// handler is an authenticated handler: it returns the error its answer
// is, or nil once it has answered.
type handler func(w http.ResponseWriter, r *http.Request, c caller) error

// authenticate reads the bearer credential: an API key first (the hub
// knows one by its form without a lookup), else a customer's session.
func (a *API) authenticate(r *http.Request) (caller, error) {
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	bearer = strings.TrimSpace(bearer)
	if !ok || bearer == "" {
		return caller{}, &requestError{status: http.StatusUnauthorized, code: codeUnauthorized,
			detail: "Authorization: Bearer <token> is required: a customer's session token or an admin API key."}
	}
	key, err := a.hub.AuthenticateAPIKey(r.Context(), bearer)
	switch {
	case err == nil:
		if !slices.Contains(key.Scopes, hub.ScopeTradeInsAdmin) {
			return caller{}, &requestError{status: http.StatusForbidden, code: codeForbidden,
				detail: "This API key lacks the " + hub.ScopeTradeInsAdmin + " scope."}
		}
		return caller{admin: true, keyID: keyName(key)}, nil
	case !errors.Is(err, hub.ErrUnauthorized):
		return caller{}, err
	}
	cust, err := a.hub.CustomerOfSession(r.Context(), bearer)
	if err != nil {
		return caller{}, err
	}
	return caller{customer: &cust, token: bearer}, nil
}

// keyName names an admin's key in a trade-in's history as its admin sees
// it in intakehub apikey list: its id and name, never any of its secret.
func keyName(k hub.APIKeyInfo) string {
	if k.Name == "" {
		return fmt.Sprintf("key %d", k.ID)
	}
	return fmt.Sprintf("key %d (%s)", k.ID, k.Name)
}

// open serves a handler that needs no credential.
func (a *API) open(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r, caller{}); err != nil {
			a.writeProblem(w, r, err)
		}
	})
}

// guard serves h to the callers allow admits.
func (a *API) guard(h handler, allow func(caller) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := a.authenticate(r)
		if err == nil {
			err = allow(c)
		}
		if err == nil {
			err = h(w, r, c)
		}
		if err != nil {
			a.writeProblem(w, r, err)
		}
	})
}

// customer serves h to customers: what a customer does for themselves,
// which an admin's key cannot do in their name.
func (a *API) customer(h handler) http.Handler {
	return a.guard(h, func(c caller) error {
		if c.customer == nil {
			return &requestError{status: http.StatusForbidden, code: codeForbidden,
				detail: "This endpoint is a customer's: log in as the customer and use the session token."}
		}
		return nil
	})
}

// admin serves h to admins only.
func (a *API) admin(h handler) http.Handler {
	return a.guard(h, func(c caller) error {
		if !c.admin {
			return &requestError{status: http.StatusForbidden, code: codeForbidden,
				detail: "This endpoint needs an admin API key with the " + hub.ScopeTradeInsAdmin + " scope."}
		}
		return nil
	})
}

// customerOrAdmin serves h to both; h limits a customer to their own.
func (a *API) customerOrAdmin(h handler) http.Handler {
	return a.guard(h, func(caller) error { return nil })
}

// Admin guards h with the admin's credential (an API key of the
// tradeins:admin scope), for admin handlers mounted beside the API: the
// imports and exports.
func (a *API) Admin(h http.Handler) http.Handler {
	return a.admin(func(w http.ResponseWriter, r *http.Request, _ caller) error {
		h.ServeHTTP(w, r)
		return nil
	})
}
