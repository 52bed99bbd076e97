package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestEnvelopes(t *testing.T) {
	for _, c := range []struct {
		name   string
		write  func(w http.ResponseWriter)
		status int
		body   string
	}{
		{"data", func(w http.ResponseWriter) { WriteData(w, 201, map[string]int{"id": 42}) }, 201,
			`{"success":true,"data":{"id":42}}` + "\n"},
		{"error", func(w http.ResponseWriter) { WriteError(w, 404, "NOT_FOUND", "quote 7 not found") }, 404,
			`{"success":false,"error":{"code":"NOT_FOUND","message":"quote 7 not found"}}` + "\n"},
		{"fields", func(w http.ResponseWriter) {
			var v FieldErrors
			v.Add("name", "required", "name is required")
			v.Add("quantity", "out_of_range", "quantity must be between 1 and 100000, not 0")
			v.Write(w)
		}, 400, `{"success":false,"error":{"code":"VALIDATION_ERROR","message":"name is required; quantity must be between 1 and 100000, not 0",` +
			`"details":[{"field":"name","issue":"required","message":"name is required"},` +
			`{"field":"quantity","issue":"out_of_range","message":"quantity must be between 1 and 100000, not 0"}]}}` + "\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c.write(rec)
			if rec.Code != c.status || rec.Body.String() != c.body {
				t.Fatalf("got %d %s\nwant %d %s", rec.Code, rec.Body.String(), c.status, c.body)
			}
			if ct, cc := rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"); ct != "application/json; charset=utf-8" || cc != "no-store" {
				t.Fatalf("headers: %q %q", ct, cc)
			}
		})
	}
}
