package shipping

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/template"
)

// DefaultPickupTemplate is what NewPickup("") uses: the facility's address
// and the trade-in reference. Templates are text/template over a Request.
const DefaultPickupTemplate = `Please bring your device to:
{{range .Facility.Lines}}{{.}}
{{end}}{{with .Facility.Phone}}Phone: {{.}}
{{end}}
Quote your trade-in reference {{.Reference}} at the counter so we can match the device to your accepted offer.`

// Pickup arranges for a local customer to drop the device off in person.
type Pickup struct {
	tmpl      *template.Template
	isDefault bool
}

// NewPickup makes a Pickup whose instructions are tmpl, a text/template
// over the Request (e.g. {{.Reference}}, {{.Facility.City}},
// {{range .Facility.Lines}}); plain text without actions is fine. An empty
// tmpl is DefaultPickupTemplate.
func NewPickup(tmpl string) (*Pickup, error) {
	isDefault := strings.TrimSpace(tmpl) == ""
	if isDefault {
		tmpl = DefaultPickupTemplate
	}
	t, err := template.New("pickup").Parse(tmpl)
	if err != nil {
		return nil, fmt.Errorf("shipping: pickup template: %w", err)
	}
	// A misspelt field ({{.Referense}}) only fails when executed: find it
	// now, at start-up, not when a customer accepts an offer.
	if err := t.Execute(io.Discard, Request{}); err != nil {
		return nil, fmt.Errorf("shipping: pickup template: %w", err)
	}
	return &Pickup{tmpl: t, isDefault: isDefault}, nil
}

// Arrange returns pickup instructions for r. They always name r.Reference:
// if the template does not, a line with it is added, because without it
// the counter cannot tell which offer a device belongs to.
func (p *Pickup) Arrange(ctx context.Context, r Request) (Arrangement, error) {
	if err := ctx.Err(); err != nil {
		return Arrangement{}, fmt.Errorf("shipping: pickup: %w", err)
	}
	var bad problems
	if strings.TrimSpace(r.Reference) == "" {
		bad.add("reference is required")
	}
	if p.isDefault {
		// The default template is useless without somewhere to go.
		if strings.TrimSpace(r.Facility.Line1) == "" {
			bad.add("facility.address_line1 is required")
		}
		if strings.TrimSpace(r.Facility.City) == "" {
			bad.add("facility.city is required")
		}
	}
	if err := bad.err(); err != nil {
		return Arrangement{}, err
	}
	var b strings.Builder
	if err := p.tmpl.Execute(&b, r); err != nil {
		return Arrangement{}, fmt.Errorf("shipping: pickup instructions: %w", err)
	}
	text := strings.TrimSpace(b.String())
	if !strings.Contains(text, r.Reference) {
		text += "\n\nTrade-in reference: " + r.Reference
	}
	return Arrangement{Method: MethodPickup, Instructions: text}, nil
}
