package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/intakebench/intakebench/intake"
)

// pageNames are the templates under templates/, each a "page" shown in
// layout.html.
var pageNames = []string{"buyer", "status", "message", "login", "queue", "detail", "payouts", "reviews", "stock", "sellers"}

var funcs = template.FuncMap{
	"money": func(c intake.Cents) string { return "$" + c.String() },
	"cents": func(c int64) string { return "$" + intake.Cents(c).String() },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 Jan 2006 15:04 UTC")
	},
	"day":   func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"title": func(s string) string { return strings.ToUpper(s[:min(1, len(s))]) + s[min(1, len(s)):] },
	"eq":    func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) },
	"has":   func(list []string, v string) bool { return slices.Contains(list, v) },
	// dict passes named values to a sub-template: dict "Name" "screen" "V" …
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict of %d values", len(kv))
		}
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m, nil
	},
}

func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// view is what layout.html shows around a page.
type view struct {
	Title string
	Staff *staff // the logged-in operator on the dashboard's pages
	CSRF  string
	Nav   string // the dashboard's current section
	// Sellers tells the navigation that the seller items' page is offered.
	Sellers bool
	Data    any
}

// titled is a page's data that names its page.
type titled interface{ title() string }

func (p messagePage) title() string { return p.Title }

// render writes page name with data, with headers that keep the page from
// being framed by others, sniffed, cached or leaking its URL.
func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	v, ok := data.(view)
	if !ok {
		v = view{Data: data}
	}
	if t, ok := v.Data.(titled); ok && v.Title == "" {
		v.Title = t.title()
	}
	var buf bytes.Buffer
	if err := s.pages[name].Execute(&buf, v); err != nil {
		s.log.ErrorContext(r.Context(), "render web page", "page", name, "err", err)
		http.Error(w, "the page failed to render", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	frames := "'none'"
	if strings.HasPrefix(r.URL.Path, "/trade-in") {
		// The buyer's page may be embedded in the programme's storefront.
		frames = "*"
	}
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "+frames)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
