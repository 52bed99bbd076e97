package upgrade

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/internal/httpx"
)

// The admin side of sites (hub/sites.go): the warehouses and stores, and
// which bench, operator and trade-in belongs to which.
//
//	GET  /api/{tenant}/admin/sites                       the sites, each with its benches
//	POST /api/{tenant}/admin/sites        {id, name, kind: warehouse|store}
//	PUT  /api/{tenant}/admin/benches/{id}/site   {site}   a bench's site; null or "" for none
//	PUT  /api/{tenant}/admin/operators/{id}/site {site}   an operator's
//	PUT  /api/{tenant}/admin/tradeins/{id}/site  {site}   where a trade-in is expected or kept

type siteJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	Benches   []string  `json:"benches"`
}

type siteBody struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// siteAssignment is the body of a PUT …/site: the site, or null (or "")
// for none.
type siteAssignment struct {
	Site *string `json:"site"`
}

type siteAssigned struct {
	ID   string  `json:"id"`
	Site *string `json:"site"`
}

func (a *API) handleListSites(w http.ResponseWriter, r *http.Request, _ caller) error {
	sites, err := a.hub.Sites(r.Context())
	if err != nil {
		return err
	}
	benches, err := a.hub.BenchSites(r.Context())
	if err != nil {
		return err
	}
	out := make([]siteJSON, 0, len(sites))
	for _, s := range sites {
		j := siteJSON{ID: s.ID, Name: s.Name, Kind: s.Kind, CreatedAt: s.CreatedAt, Benches: []string{}}
		for bench, site := range benches {
			if site == s.ID {
				j.Benches = append(j.Benches, bench)
			}
		}
		slices.Sort(j.Benches)
		out = append(out, j)
	}
	httpx.WriteJSON(w, http.StatusOK, listJSON[siteJSON]{Items: out})
	return nil
}

func (a *API) handleCreateSite(w http.ResponseWriter, r *http.Request, _ caller) error {
	var in siteBody
	if err := readJSON(w, r, &in, false); err != nil {
		return err
	}
	var f fields
	if in.ID == "" {
		f.add("id", "is required")
	}
	if strings.TrimSpace(in.Name) == "" {
		f.add("name", "is required")
	}
	if in.Kind == "" {
		f.add("kind", "is required: warehouse or store")
	}
	if err := f.err(); err != nil {
		return err
	}
	s, err := a.hub.CreateSite(r.Context(), hub.SiteInput{ID: in.ID, Name: in.Name, Kind: in.Kind})
	if err != nil {
		return err
	}
	w.Header().Set("Location", a.prefix+"/admin/sites/"+s.ID)
	httpx.WriteJSON(w, http.StatusCreated, siteJSON{ID: s.ID, Name: s.Name, Kind: s.Kind, CreatedAt: s.CreatedAt, Benches: []string{}})
	return nil
}

// readAssignment reads the site of a PUT …/site, "" for none.
func readAssignment(w http.ResponseWriter, r *http.Request) (string, error) {
	var in siteAssignment
	if err := readJSON(w, r, &in, false); err != nil {
		return "", err
	}
	if in.Site == nil {
		return "", nil
	}
	return *in.Site, nil
}

// assigned answers the id and the site it now belongs to (null for none).
func assigned(w http.ResponseWriter, id, site string) {
	out := siteAssigned{ID: id}
	if site != "" {
		out.Site = &site
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (a *API) handleAssignBench(w http.ResponseWriter, r *http.Request, _ caller) error {
	bench := r.PathValue("id")
	if bench == "" || len(bench) > 128 || strings.ContainsFunc(bench, func(c rune) bool { return c < ' ' || c == 0x7f }) {
		return &requestError{status: http.StatusNotFound, code: hub.CodeUnknownBench, detail: fmt.Sprintf("No bench was enrolled as %.40q.", bench)}
	}
	site, err := readAssignment(w, r)
	if err != nil {
		return err
	}
	if err := a.hub.AssignBench(r.Context(), bench, site); err != nil {
		return err
	}
	assigned(w, bench, site)
	return nil
}

func (a *API) handleAssignOperator(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, hub.CodeOperatorNotFound, "operator")
	if err != nil {
		return err
	}
	site, err := readAssignment(w, r)
	if err != nil {
		return err
	}
	if err := a.hub.AssignOperator(r.Context(), id, site); err != nil {
		return err
	}
	assigned(w, id, site)
	return nil
}

func (a *API) handleAssignTradeIn(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := pathID(r, hub.CodeTradeInNotFound, "trade-in")
	if err != nil {
		return err
	}
	site, err := readAssignment(w, r)
	if err != nil {
		return err
	}
	if err := a.hub.AssignTradeIn(r.Context(), id, site); err != nil {
		return err
	}
	assigned(w, id, site)
	return nil
}
