package sellers_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// adminPrefix is where intakehub serve mounts our buyers' side.
const adminPrefix = "/api/{tenant}/admin/sellers"

// The contract, served to anyone, documents every route the API serves,
// and no route it does not.
func TestOpenAPIDocumentsEverySellerRoute(t *testing.T) {
	e := newEnv(t)
	r := e.do(http.MethodGet, "/v2/sellers/openapi.yaml", "", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(r.body, &doc))
	assert.True(t, strings.HasPrefix(doc.OpenAPI, "3."))

	var served []string
	served = append(served, e.api.Routes()...)
	for _, route := range e.api.AdminRoutes() {
		method, path, _ := strings.Cut(route, " ")
		served = append(served, method+" "+adminPrefix+path)
	}
	for _, route := range served {
		method, path, ok := strings.Cut(route, " ")
		require.True(t, ok, "route %q has a method", route)
		ops, ok := doc.Paths[path]
		if assert.True(t, ok, "openapi.yaml lacks path %s", path) {
			assert.Contains(t, ops, strings.ToLower(method), "openapi.yaml lacks %s", route)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			assert.True(t, slices.Contains(served, strings.ToUpper(method)+" "+path), "openapi.yaml documents %s %s, which is not served", method, path)
		}
	}
	assert.Len(t, served, 18, "11 seller routes, the contract and 6 of our buyers'")
}
