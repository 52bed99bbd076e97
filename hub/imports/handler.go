package imports

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/internal/httpx"
)

// MaxUpload bounds an uploaded file: 1,000,000 trade-ins in CSV are some
// 200 MB.
const MaxUpload = 1 << 30

// Codes of the handler's refusals, stable for clients.
const (
	CodeUnknownImport    = "unknown_import"
	CodeUnsupportedType  = "unsupported_media_type"
	CodeMalformedFile    = "malformed_file"
	CodeFileTooLarge     = "file_too_large"
	CodeInvalidRequest   = "invalid_request"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeImportStopped    = "import_stopped"
	CodeOverloaded       = "overloaded"
)

// Handler serves imports over HTTP, for an admin: POST /{kind} with the
// file as the body, text/csv or application/x-ndjson (also
// application/jsonl), and optional query parameters batch and
// min_pin_length (staff). It does no authentication: mount it behind the
// admin's.
//
// A file read to its end is answered 200 with the Report, also when rows
// were rejected: the other rows were applied, each batch whole, and
// importing the corrected file again adds only what is missing. Refusals
// are RFC 9457 problems: 400 malformed_file (nothing applied; the file is
// read for its structure before any row is), 404 unknown_import, 413
// file_too_large, 415 unsupported_media_type, and 500 import_stopped or
// 503 overloaded for an import stopped by the database, whose report
// extension counts what the batches before had applied.
func Handler(im *Importer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind, err := ParseKind(strings.Trim(r.URL.Path, "/"))
		if err != nil {
			writeProblem(w, http.StatusNotFound, CodeUnknownImport, err.Error(), nil)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeProblem(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "Imports are POSTed.", nil)
			return
		}
		o, ok := requestOptions(r)
		if !ok {
			writeProblem(w, http.StatusUnsupportedMediaType, CodeUnsupportedType,
				fmt.Sprintf("Content-Type %.60q is not text/csv or application/x-ndjson.", r.Header.Get("Content-Type")), nil)
			return
		}
		q := r.URL.Query()
		for name, dst := range map[string]*int{"batch": &o.BatchSize, "min_pin_length": &o.MinPINLength} {
			if v := q.Get(name); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > MaxBatchSize {
					writeProblem(w, http.StatusBadRequest, CodeInvalidRequest, fmt.Sprintf("%s must be a whole number from 1 to %d.", name, MaxBatchSize), nil)
					return
				}
				*dst = n
			}
		}
		// The file is spooled so that it can be read for its structure
		// before any row is applied; a staff file holds PINs, so the
		// spool is private and removed at once.
		spool, err := os.CreateTemp("", "intakehub-import-*")
		if err != nil {
			im.log.ErrorContext(r.Context(), "spool an import", "err", err)
			writeProblem(w, http.StatusInternalServerError, CodeImportStopped, "The hub could not store the file; the error is in its log.", nil)
			return
		}
		defer func() {
			spool.Close()
			os.Remove(spool.Name())
		}()
		if _, err := io.Copy(spool, http.MaxBytesReader(w, r.Body, MaxUpload)); err != nil {
			if errors.As(err, new(*http.MaxBytesError)) {
				writeProblem(w, http.StatusRequestEntityTooLarge, CodeFileTooLarge, fmt.Sprintf("A file of more than %d bytes is imported in parts.", MaxUpload), nil)
				return
			}
			writeProblem(w, http.StatusBadRequest, CodeInvalidRequest, "The file could not be read from the request.", nil)
			return
		}
		if _, err := spool.Seek(0, io.SeekStart); err != nil {
			writeProblem(w, http.StatusInternalServerError, CodeImportStopped, "The hub could not read the file back.", nil)
			return
		}
		rep, err := im.Import(r.Context(), kind, spool, o)
		var fe *FormatError
		switch {
		case err == nil:
			httpx.WriteJSON(w, http.StatusOK, rep)
		case errors.As(err, &fe) && !errors.Is(err, ErrStopped):
			writeProblem(w, http.StatusBadRequest, CodeMalformedFile, fe.Error()+". Nothing was imported.", nil)
		case errors.Is(err, hubdb.ErrBusy):
			w.Header().Set("Retry-After", "1")
			writeProblem(w, http.StatusServiceUnavailable, CodeOverloaded, "The database is busy; send the file again shortly: rows already imported are skipped.", &rep)
		case r.Context().Err() != nil:
			// The client went away; what committed stays.
		default:
			im.log.ErrorContext(r.Context(), "import stopped", "kind", kind, "rows", rep.Rows, "err", err)
			writeProblem(w, http.StatusInternalServerError, CodeImportStopped,
				"The import stopped; the error is in the hub's log. Send the file again: rows already imported are skipped.", &rep)
		}
	})
}

// requestOptions reads the format from the request's Content-Type.
func requestOptions(r *http.Request) (Options, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return Options{}, false
	}
	switch mt {
	case "text/csv":
		return Options{Format: FormatCSV}, true
	case "application/x-ndjson", "application/jsonl", "application/x-jsonlines":
		return Options{Format: FormatJSONL}, true
	}
	return Options{}, false
}

// problem is an RFC 9457 problem with the report of an import that
// stopped, as an extension member.
type problem struct {
	wire.Problem
	Report *Report `json:"report,omitempty"`
}

func writeProblem(w http.ResponseWriter, status int, code, detail string, rep *Report) {
	httpx.WriteProblem(w, status, problem{Problem: wire.Problem{Type: wire.ProblemType(code), Title: http.StatusText(status), Status: status,
		Code: code, Detail: detail}, Report: rep})
}
