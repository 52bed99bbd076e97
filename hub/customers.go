package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/shipping"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/passwd"
)

// ScopeTradeInsAdmin is the API-key scope of the programme's admins.
const ScopeTradeInsAdmin = wire.ScopeTradeInsAdmin

// SessionLife is how long a customer's login lasts.
const SessionLife = 30 * 24 * time.Hour

// Address is a customer's postal address, where a shipping label is
// bought from.
type Address struct {
	Line1      string `json:"line1,omitempty"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
}

// to is the address as a carrier takes it, for name to receive at.
func (a Address) to(name string) shipping.Address {
	return shipping.Address{Name: name, Line1: a.Line1, Line2: a.Line2, City: a.City, State: a.State, PostalCode: a.PostalCode, Country: a.Country}
}

// Profile is what a customer says about themselves (seed 003's profile),
// and how they want to be paid.
type Profile struct {
	Name          string              `json:"name"`
	Phone         string              `json:"phone,omitempty"`
	Address       Address             `json:"address,omitzero"`
	PayoutMethod  intake.PayoutMethod `json:"payout_method,omitempty"`  // store-credit (default), check or card
	StripeAccount string              `json:"stripe_account,omitempty"` // where card payouts go, acct_…
}

// Customer is a customer account.
type Customer struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Profile   Profile   `json:"profile"`
	CreatedAt time.Time `json:"created_at"`
}

// loadCustomer reads a customer account with its profile.
func loadCustomer(ctx context.Context, tx *hubdb.Tx, id string) (Customer, error) {
	c, err := tx.Customer(ctx, id)
	if err != nil {
		return Customer{}, err
	}
	return customerOf(c)
}

func customerOf(c hubdb.Customer) (Customer, error) {
	out := Customer{ID: c.ID, Email: c.Email, CreatedAt: c.CreatedAt}
	if err := json.Unmarshal(c.Profile, &out.Profile); err != nil {
		return out, fmt.Errorf("decode profile of %s: %w", c.ID, err)
	}
	return out, nil
}

// check refuses a profile the hub cannot use.
func (p *Profile) check() error {
	var problems []string
	p.Name, p.Phone = strings.TrimSpace(p.Name), strings.TrimSpace(p.Phone)
	if p.Name == "" || utf8.RuneCountInString(p.Name) > 200 || !printable(p.Name) {
		problems = append(problems, "name is required (at most 200 characters)")
	}
	if len(p.Phone) > 40 || !printable(p.Phone) {
		problems = append(problems, "phone is not a phone number")
	}
	if p.PayoutMethod != "" {
		switch m, err := intake.ParsePayoutMethod(string(p.PayoutMethod)); {
		case err != nil:
			problems = append(problems, "payout_method: "+err.Error())
		case m == intake.PayoutCash:
			problems = append(problems, "payout_method cash is paid only at a store counter")
		case m == intake.PayoutCard && !strings.HasPrefix(p.StripeAccount, "acct_"):
			problems = append(problems, "payout_method card needs stripe_account (acct_…)")
		}
	}
	for _, f := range []string{p.Address.Line1, p.Address.Line2, p.Address.City, p.Address.State, p.Address.PostalCode, p.Address.Country, p.StripeAccount} {
		if len(f) > 200 || !printable(f) {
			problems = append(problems, "an address field is too long or not text")
			break
		}
	}
	if len(problems) > 0 {
		return refuse(KindInvalid, CodeInvalid, "%s.", strings.Join(problems, "; "))
	}
	return nil
}

// RegisterInput is seed 003's registration.
type RegisterInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
}

func normaliseEmail(s string) (string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil || a.Name != "" || len(a.Address) > 254 {
		return "", refuse(KindInvalid, CodeInvalid, "email %.60q is not an e-mail address.", s)
	}
	return strings.ToLower(a.Address), nil
}

// Register opens a customer account; its password is kept as an argon2id
// hash.
func (h *Hub) Register(ctx context.Context, in RegisterInput) (Customer, error) {
	email, err := normaliseEmail(in.Email)
	if err != nil {
		return Customer{}, err
	}
	if err := passwd.Check(in.Password); err != nil {
		return Customer{}, refuse(KindInvalid, CodeInvalid, "password: %s.", err.Error())
	}
	p := Profile{Name: in.Name, Phone: in.Phone}
	if err := p.check(); err != nil {
		return Customer{}, err
	}
	hash, err := passwd.Hash(in.Password, passwd.Default)
	if err != nil {
		return Customer{}, err
	}
	doc, err := json.Marshal(p)
	if err != nil {
		return Customer{}, err
	}
	now := h.now().UTC()
	c := hubdb.Customer{ID: randomID("cus_"), Email: email, PasswordHash: hash, Profile: doc, CreatedAt: now, UpdatedAt: now}
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.InsertCustomer(ctx, c) })
	if errors.Is(err, hubdb.ErrExists) {
		return Customer{}, refuse(KindConflict, CodeEmailTaken, "An account with this e-mail address exists already: log in.")
	}
	if err != nil {
		return Customer{}, err
	}
	return customerOf(c)
}

// Login checks a customer's password and opens a session, whose token is
// returned once and stored only as its hash. Attempts are limited per
// address and per client, so a password cannot be guessed through the hub.
func (h *Hub) Login(ctx context.Context, email, password, clientIP string) (string, Customer, error) {
	email, err := normaliseEmail(email)
	if err != nil {
		return "", Customer{}, err
	}
	now := h.now()
	for _, key := range []string{"email:" + email, "ip:" + clientIP} {
		if ok, after := h.loginAttempts.Allow(key, now); !ok {
			return "", Customer{}, &unavailable{http.StatusTooManyRequests, wire.CodeRateLimited, "Too many login attempts; try again later.", after}
		}
	}
	var c hubdb.Customer
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		c, err = tx.CustomerByEmail(ctx, email)
		return err
	})
	bad := refuse(KindUnauthorized, CodeBadCredentials, "The e-mail address or the password is wrong.")
	if errors.Is(err, hubdb.ErrNotFound) {
		// Spend what a check costs, so that timing does not tell which
		// addresses have accounts.
		_ = passwd.Verify(password, h.dummyHash)
		return "", Customer{}, bad
	}
	if err != nil {
		return "", Customer{}, err
	}
	if err := passwd.Verify(password, c.PasswordHash); errors.Is(err, passwd.ErrMismatch) {
		return "", Customer{}, bad
	} else if err != nil {
		return "", Customer{}, fmt.Errorf("verify password of %s: %w", c.ID, err)
	}
	token, err := randomToken("ics_")
	if err != nil {
		return "", Customer{}, err
	}
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		return tx.InsertSession(ctx, secretHash(token), c.ID, now.UTC(), now.UTC().Add(SessionLife))
	})
	if err != nil {
		return "", Customer{}, err
	}
	out, err := customerOf(c)
	return token, out, err
}

// Logout ends the session of a token.
func (h *Hub) Logout(ctx context.Context, token string) error {
	return h.db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.RevokeSession(ctx, secretHash(token), h.now()) })
}

// CustomerOfSession returns the customer whose live session token is.
func (h *Hub) CustomerOfSession(ctx context.Context, token string) (c Customer, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		id, err := tx.Session(ctx, secretHash(token), h.now())
		if errors.Is(err, hubdb.ErrNotFound) {
			return refuse(KindUnauthorized, CodeBadCredentials, "The session is unknown, expired or ended: log in again.")
		}
		if err != nil {
			return err
		}
		stored, err := tx.Customer(ctx, id)
		if err != nil {
			return err
		}
		c, err = customerOf(stored)
		return err
	})
	return c, err
}

// UpdateProfile replaces a customer's profile.
func (h *Hub) UpdateProfile(ctx context.Context, customerID string, p Profile) (c Customer, err error) {
	if err := p.check(); err != nil {
		return c, err
	}
	doc, err := json.Marshal(p)
	if err != nil {
		return c, err
	}
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		if err := tx.SaveCustomerProfile(ctx, customerID, doc, h.now()); err != nil {
			return err
		}
		stored, err := tx.Customer(ctx, customerID)
		if err != nil {
			return err
		}
		c, err = customerOf(stored)
		return err
	})
	return c, err
}

// Customers lists customer accounts by id, a page after the id given.
func (h *Hub) Customers(ctx context.Context, after string, limit int) (out []Customer, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		cs, err := tx.Customers(ctx, after, min(max(limit, 1), 500))
		for _, c := range cs {
			cust, err := customerOf(c)
			if err != nil {
				return err
			}
			out = append(out, cust)
		}
		return err
	})
	return out, err
}

// PhotoInfo describes an uploaded photo.
type PhotoInfo struct {
	ID        string    `json:"id"`
	MIME      string    `json:"content_type"`
	SHA256    string    `json:"sha256"`
	Size      int       `json:"size"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxPhotoBytes bounds a customer's photo, as a bench's.
const MaxPhotoBytes = wire.MaxBlobBytes

// UploadPhoto stores a customer's photo: a real image only (JPEG, PNG or
// WebP, checked as the benches' photos are).
func (h *Hub) UploadPhoto(ctx context.Context, customerID string, data []byte) (PhotoInfo, error) {
	if len(data) > MaxPhotoBytes {
		return PhotoInfo{}, refuse(KindTooLarge, wire.CodePayloadTooLarge, "A photo is at most %d MiB.", MaxPhotoBytes>>20)
	}
	mime, err := intake.PhotoType(data)
	if err != nil {
		return PhotoInfo{}, refuse(KindUnprocessable, "not_an_image", "%s.", err.Error())
	}
	sum := sha256.Sum256(data)
	p := PhotoInfo{ID: randomID("photo_"), MIME: mime, SHA256: hex.EncodeToString(sum[:]), Size: len(data), CreatedAt: h.now().UTC()}
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		if _, err := tx.InsertBlob(ctx, p.SHA256, mime, data, "customer:"+customerID, p.CreatedAt); err != nil {
			return err
		}
		return tx.InsertCustomerPhoto(ctx, hubdb.CustomerPhoto{ID: p.ID, CustomerID: customerID, SHA256: p.SHA256, MIME: mime, CreatedAt: p.CreatedAt})
	})
	return p, err
}

// Photo returns an uploaded photo to its customer, or to an admin
// (customerID "").
func (h *Hub) Photo(ctx context.Context, customerID, id string) (data []byte, mime string, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		p, err := tx.CustomerPhoto(ctx, id)
		if errors.Is(err, hubdb.ErrNotFound) || (err == nil && customerID != "" && p.CustomerID != customerID) {
			return refuse(KindNotFound, CodeUnknownPhoto, "There is no photo %.40q.", id)
		}
		if err != nil {
			return err
		}
		data, mime, err = tx.Blob(ctx, p.SHA256)
		return err
	})
	return data, mime, err
}
