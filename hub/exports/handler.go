package exports

import (
	"net/http"
	"strings"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/internal/httpx"
)

// Codes of the handler's refusals, stable for clients.
const (
	CodeUnknownExport    = "unknown_export"
	CodeInvalidRequest   = "invalid_request"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeExportFailed     = "export_failed"
)

// Handler serves exports over HTTP, for an admin: GET /{kind}?since=…
// streams the CSV (text/csv) as Export writes it. It does no
// authentication: mount it behind the admin's. A refusal before the first
// byte is an RFC 9457 problem; a failure after it aborts the response, so
// that a client never takes a cut-off file for a whole one.
func Handler(e *Exporter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind, err := ParseKind(strings.Trim(r.URL.Path, "/"))
		if err != nil {
			writeProblem(w, http.StatusNotFound, CodeUnknownExport, err.Error())
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeProblem(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "Exports are read with GET.")
			return
		}
		since, err := ParseSince(r.URL.Query().Get("since"))
		if err != nil {
			writeProblem(w, http.StatusBadRequest, CodeInvalidRequest, err.Error()+".")
			return
		}
		sw := &startedWriter{w: w, kind: kind}
		if r.Method == http.MethodHead {
			sw.start()
			return
		}
		if _, err := e.Export(r.Context(), kind, since, sw); err != nil {
			if sw.started {
				panic(http.ErrAbortHandler)
			}
			writeProblem(w, http.StatusInternalServerError, CodeExportFailed, "The export failed before its first row; try again.")
		}
	})
}

// startedWriter sends the CSV headers with the first byte of the body, so
// that a failure before it can still be answered as a problem.
type startedWriter struct {
	w       http.ResponseWriter
	kind    Kind
	started bool
}

func (s *startedWriter) start() {
	s.started = true
	h := s.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+string(s.kind)+`.csv"`)
	h.Set("Cache-Control", "no-store")
	s.w.WriteHeader(http.StatusOK)
}

func (s *startedWriter) Write(p []byte) (int, error) {
	if !s.started {
		s.start()
	}
	return s.w.Write(p)
}

func writeProblem(w http.ResponseWriter, status int, code, detail string) {
	httpx.WriteProblem(w, status, wire.Problem{Type: wire.ProblemType(code), Title: http.StatusText(status), Status: status, Code: code, Detail: detail})
}
