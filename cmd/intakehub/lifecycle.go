package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/mail"
	"github.com/intakebench/intakebench/hub/payments"
	"github.com/intakebench/intakebench/hub/shipping"
	"github.com/intakebench/intakebench/hub/upgrade"
)

// Secrets of the lifecycle's services come from the environment, never
// from flags: a flag shows in ps and in shell history.
const (
	smtpPasswordEnv  = "INTAKEHUB_SMTP_PASSWORD"
	stripeKeyEnv     = "INTAKEHUB_STRIPE_KEY"
	shipEngineKeyEnv = "INTAKEHUB_SHIPENGINE_KEY"
)

// lifecycleFlags are serve's settings of the trade-in's life beyond the
// bench: the Upgrade API's tenant and address, and the mail, payment and
// shipping services.
type lifecycleFlags struct {
	tenant, publicURL, business           *string
	businessAddress                       *string
	smtpAddr, smtpFrom, smtpUser          *string
	smtpInsecure                          *bool
	stripeURL                             *string
	shipEngineURL, carrierID, serviceCode *string
	facilityFile, pickupInstructions      *string
	getenv                                func(string) string
}

func addLifecycleFlags(fs *flag.FlagSet) *lifecycleFlags {
	return &lifecycleFlags{
		tenant:    fs.String("tenant", "demo", "the programme's slug: the Upgrade API is served at /api/TENANT/"),
		publicURL: fs.String("public-url", "", "where customers reach the hub, for links in e-mails (default http://ADDR)"),
		business:  fs.String("business", "Intake Bench trade-ins", "the programme's name in e-mails and on e-mailed walk-in receipts"),
		businessAddress: fs.String("business-address", "",
			`the business's address printed on e-mailed walk-in receipts; \n breaks lines (default: none, the name only)`),
		smtpAddr: fs.String("smtp", "", "SMTP server host:port for quote and shipping e-mails (none: mail waits in the outbox); password from "+smtpPasswordEnv),
		smtpFrom: fs.String("smtp-from", "Intake Bench <trade-ins@localhost>", "sender of the e-mails"),
		smtpUser: fs.String("smtp-user", "", "SMTP login"),
		smtpInsecure: fs.Bool("smtp-no-starttls", false,
			"send in clear text even when the server offers STARTTLS (a mail server on loopback only)"),
		stripeURL:     fs.String("stripe-url", "", "Stripe API base URL (default Stripe's); card payouts need "+stripeKeyEnv),
		shipEngineURL: fs.String("shipengine-url", "", "ShipEngine API base URL (default ShipEngine's); labels need "+shipEngineKeyEnv),
		carrierID:     fs.String("shipengine-carrier", "", "ShipEngine carrier id labels are bought from"),
		serviceCode:   fs.String("shipengine-service", shipping.DefaultServiceCode, "ShipEngine service code"),
		facilityFile:  fs.String("facility", "", "JSON file of the facility's address (name, phone, line1, city, state, postal_code, country)"),
		pickupInstructions: fs.String("pickup-instructions", "",
			"text/template of the pickup instructions sent when no label is bought (default: the facility's address and the reference)"),
		getenv: os.Getenv,
	}
}

// config fills the lifecycle's part of the hub's configuration. addr is
// where the hub listens, for the default public URL.
func (f *lifecycleFlags) config(c *hub.Config, addr string) error {
	if err := upgrade.CheckTenant(*f.tenant); err != nil {
		return fmt.Errorf("--tenant: %w", err)
	}
	base := strings.TrimRight(*f.publicURL, "/")
	if base == "" {
		base = "http://" + addr
	}
	c.PublicURL, c.Business = base+"/api/"+*f.tenant, *f.business
	c.BusinessAddress = strings.ReplaceAll(*f.businessAddress, `\n`, "\n")
	if *f.facilityFile != "" {
		b, err := os.ReadFile(*f.facilityFile)
		if err != nil {
			return fmt.Errorf("facility: %w", err)
		}
		var a struct {
			Name, Company, Phone, Line1, Line2, City, State, Country string
			PostalCode                                               string `json:"postal_code"`
		}
		if err := json.Unmarshal(b, &a); err != nil {
			return fmt.Errorf("facility %s: %w", *f.facilityFile, err)
		}
		c.Facility = shipping.Address{Name: a.Name, Company: a.Company, Phone: a.Phone, Line1: a.Line1, Line2: a.Line2,
			City: a.City, State: a.State, PostalCode: a.PostalCode, Country: a.Country}
	}
	pickup, err := shipping.NewPickup(*f.pickupInstructions)
	if err != nil {
		return err
	}
	c.Pickup = pickup
	if key := f.getenv(shipEngineKeyEnv); key != "" {
		opts := []shipping.Option{shipping.WithServiceCode(*f.serviceCode)}
		if *f.shipEngineURL != "" {
			opts = append(opts, shipping.WithBaseURL(*f.shipEngineURL))
		}
		if *f.carrierID != "" {
			opts = append(opts, shipping.WithCarrierID(*f.carrierID))
		}
		labels, err := shipping.NewShipEngine(key, opts...)
		if err != nil {
			return err
		}
		c.Labels = labels
	}
	if key := f.getenv(stripeKeyEnv); key != "" {
		var opts []payments.Option
		if *f.stripeURL != "" {
			opts = append(opts, payments.WithBaseURL(*f.stripeURL))
		}
		p, err := payments.NewStripe(key, opts...)
		if err != nil {
			return err
		}
		c.Payments = p
	}
	if *f.smtpAddr != "" {
		m, err := mail.NewSMTP(mail.SMTPConfig{Addr: *f.smtpAddr, From: *f.smtpFrom, Username: *f.smtpUser,
			Password: f.getenv(smtpPasswordEnv), NoSTARTTLS: *f.smtpInsecure})
		if err != nil {
			return err
		}
		c.Mailer = m
	}
	return nil
}
