package imports_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/imports"
)

func TestHandler(t *testing.T) {
	db, path := newDB(t)
	importCatalog(t, db)
	srv := httptest.NewServer(http.StripPrefix("/admin/imports", imports.Handler(newImporter(db))))
	defer srv.Close()

	post := func(t *testing.T, method, kind, contentType, body string) (*http.Response, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+"/admin/imports/"+kind, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var doc map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
		return resp, doc
	}
	problem := func(status int, code, detail string) map[string]any {
		return map[string]any{"type": "urn:intakebench:problem:" + code, "title": http.StatusText(status), "status": float64(status),
			"code": code, "detail": detail}
	}

	t.Run("a file with rejected rows", func(t *testing.T) {
		resp, doc := post(t, http.MethodPost, "tradeins", "text/csv; charset=utf-8", csvOf(t, tradeInRows))
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
		want := map[string]any{"kind": "tradeins", "rows": 17.0, "imported": 6.0, "updated": 0.0, "skipped_existing": 1.0, "rejected_rows": 10.0}
		rejected := doc["rejected"].([]any)
		delete(doc, "rejected")
		assert.Equal(t, want, doc)
		assert.Len(t, rejected, len(wantTradeInRejections))
		assert.Equal(t, map[string]any{"line": 6.0, "field": "imei", "reason": "IMEI check digit is 3, expected 2"}, rejected[0])
	})
	t.Run("the same rows again, as JSON Lines", func(t *testing.T) {
		resp, doc := post(t, http.MethodPost, "tradeins", "application/x-ndjson", jsonlOf(t, tradeInRows))
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		delete(doc, "rejected")
		assert.Equal(t, map[string]any{"kind": "tradeins", "rows": 17.0, "imported": 0.0, "updated": 0.0, "skipped_existing": 7.0, "rejected_rows": 10.0}, doc)
	})
	for _, tc := range []struct {
		name, method, kind, contentType, body string
		status                                int
		want                                  map[string]any
	}{
		{"a malformed file", http.MethodPost, "tradeins", "text/csv", tradeInHeader + "EXT-90,accepted,APIP13128UN,354432110000145,good,1.00\nEXT-91,draft\n",
			http.StatusBadRequest, problem(http.StatusBadRequest, "malformed_file",
				"line 3: wrong number of fields: every record has as many as the header. Nothing was imported.")},
		{"an unknown kind", http.MethodPost, "customers", "text/csv", "id\n1\n",
			http.StatusNotFound, problem(http.StatusNotFound, "unknown_import", `unknown import "customers" (want tradeins, flags, catalog, prices or staff)`)},
		{"another method", http.MethodGet, "tradeins", "", "",
			http.StatusMethodNotAllowed, problem(http.StatusMethodNotAllowed, "method_not_allowed", "Imports are POSTed.")},
		{"another media type", http.MethodPost, "flags", "application/json", "{}",
			http.StatusUnsupportedMediaType, problem(http.StatusUnsupportedMediaType, "unsupported_media_type",
				`Content-Type "application/json" is not text/csv or application/x-ndjson.`)},
		{"a batch of none", http.MethodPost, "flags?batch=0", "text/csv", "imei,kind\n",
			http.StatusBadRequest, problem(http.StatusBadRequest, "invalid_request", "batch must be a whole number from 1 to 100000.")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, doc := post(t, tc.method, tc.kind, tc.contentType, tc.body)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
			assert.Equal(t, tc.want, doc)
		})
	}
	assert.Equal(t, 6, count(t, path, "tradeins"))
}
