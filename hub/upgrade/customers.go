package upgrade

import (
	"net/http"
	"time"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/httpx"
)

type registerBody struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
}

// handleRegister opens a customer account: 201 with the customer.
func (a *API) handleRegister(w http.ResponseWriter, r *http.Request, _ caller) error {
	var in registerBody
	if err := readJSON(w, r, &in, false); err != nil {
		return err
	}
	var f fields
	if in.Email == "" {
		f.add("email", "is required")
	}
	if in.Password == "" {
		f.add("password", "is required")
	}
	if in.Name == "" {
		f.add("name", "is required")
	}
	if err := f.err(); err != nil {
		return err
	}
	c, err := a.hub.Register(r.Context(), hub.RegisterInput{Email: in.Email, Password: in.Password, Name: in.Name, Phone: in.Phone})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, customerOf(c))
	return nil
}

type loginBody struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type sessionJSON struct {
	Token     string       `json:"token"`
	TokenType string       `json:"token_type"`
	ExpiresAt time.Time    `json:"expires_at"`
	Customer  customerJSON `json:"customer"`
}

// handleLogin opens a session: its token is shown this once.
func (a *API) handleLogin(w http.ResponseWriter, r *http.Request, _ caller) error {
	var in loginBody
	if err := readJSON(w, r, &in, false); err != nil {
		return err
	}
	var f fields
	if in.Email == "" {
		f.add("email", "is required")
	}
	if in.Password == "" {
		f.add("password", "is required")
	}
	if err := f.err(); err != nil {
		return err
	}
	issued := a.hub.Now().UTC()
	token, c, err := a.hub.Login(r.Context(), in.Email, in.Password, a.clientIP(r))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, sessionJSON{Token: token, TokenType: "Bearer", ExpiresAt: issued.Add(hub.SessionLife).Truncate(time.Second),
		Customer: customerOf(c)})
	return nil
}

// handleLogout ends the session the request is made with: 204.
func (a *API) handleLogout(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := a.hub.Logout(r.Context(), c.token); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleMe answers the customer (auth/me and the profile).
func (a *API) handleMe(w http.ResponseWriter, _ *http.Request, c caller) error {
	httpx.WriteJSON(w, http.StatusOK, customerOf(*c.customer))
	return nil
}

type profileBody struct {
	Name          string       `json:"name"`
	Phone         string       `json:"phone"`
	Address       *hub.Address `json:"address"`
	PayoutMethod  string       `json:"payout_method"`
	StripeAccount string       `json:"stripe_account"`
}

// handleUpdateProfile replaces the customer's profile; the e-mail address
// is the account's and is not changed here.
func (a *API) handleUpdateProfile(w http.ResponseWriter, r *http.Request, c caller) error {
	var in profileBody
	if err := readJSON(w, r, &in, false); err != nil {
		return err
	}
	p := hub.Profile{Name: in.Name, Phone: in.Phone, PayoutMethod: intake.PayoutMethod(in.PayoutMethod), StripeAccount: in.StripeAccount}
	if in.Address != nil {
		p.Address = *in.Address
	}
	cust, err := a.hub.UpdateProfile(r.Context(), c.customer.ID, p)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, customerOf(cust))
	return nil
}
