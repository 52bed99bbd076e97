package hub

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/httpx"
)

// Reviews is the supervisors' queue of every site, as a bench of no site
// and the hub's dashboard see it (ReviewsAt is one site's): each device
// rerouted to Returns whose payout waits for a decision, with the grading
// that rerouted it and the photos any bench took. A device a supervisor
// asked more photos of is in it too, as photos-requested.
func (h *Hub) Reviews(ctx context.Context) ([]intake.Review, error) { return h.ReviewsAt(ctx, "") }

// ReviewsAt is the queue as the supervisors of a site see it: the
// trade-ins of that site and of none. Site "" is every site's. It is made
// of the reviews the change feed carries (hubdb.ReviewDocsAt), so a bench
// that asks and a bench that pulls are told the same.
func (h *Hub) ReviewsAt(ctx context.Context, site string) (out []intake.Review, err error) {
	var docs []hubdb.ReviewDoc
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		docs, err = tx.ReviewDocsAt(ctx, site)
		return err
	})
	for _, d := range docs {
		out = append(out, intake.Review{TradeIn: benchView(d.TradeIn), State: d.State, Grading: d.Grading, Photos: d.Photos})
	}
	return out, err
}

// benchView is a trade-in as a receiving bench may see it, as the change
// feed's view of intake:write shows it: the customer's name and no other
// contact, and none of what only the hub and its admins see.
func benchView(t intake.TradeIn) intake.TradeIn {
	t.Customer = intake.Customer{Name: t.Customer.Name}
	t.Source, t.ExternalID, t.CustomerID, t.Description, t.Photos, t.CreatedAt = "", "", "", "", nil, time.Time{}
	return t
}

// BlobOf returns a stored photo's bytes and media type.
func (h *Hub) BlobOf(ctx context.Context, sum string) (data []byte, mime string, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		data, mime, err = tx.Blob(ctx, sum)
		return err
	})
	return data, mime, err
}

// The supervisors' routes: every bench of intake:write sees the one queue
// of its site (all of it, for a bench of no site).

func (s *Server) reviews(w http.ResponseWriter, r *http.Request, a benchAuth) error {
	site, err := s.hub.benchSite(r.Context(), a)
	if err != nil {
		return err
	}
	rs, err := s.hub.ReviewsAt(r.Context(), site)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, wire.ReviewsPage{Reviews: nonNil(rs)})
	return nil
}

func (s *Server) quarantines(w http.ResponseWriter, r *http.Request, a benchAuth) error {
	site, err := s.hub.benchSite(r.Context(), a)
	if err != nil {
		return err
	}
	qs, err := s.hub.QuarantinesAt(r.Context(), site)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, wire.QuarantinesPage{Quarantines: nonNil(qs)})
	return nil
}

func (s *Server) tradeInPhotos(w http.ResponseWriter, r *http.Request, a benchAuth) error {
	id := r.PathValue("id")
	if _, err := s.hub.TradeIn(r.Context(), id); errors.Is(err, hubdb.ErrNotFound) {
		return refuse(KindNotFound, wire.CodeNotFound, "The hub holds no trade-in %.40q.", id)
	} else if err != nil {
		return err
	}
	// A bench of a site sees the photos of what it is shown: its site's
	// trade-ins and those of none.
	if visible, err := s.hub.sees(r.Context(), a, id); err != nil {
		return err
	} else if !visible {
		return refuse(KindNotFound, wire.CodeNotFound, "The hub holds no trade-in %.40q for this bench's site.", id)
	}
	ps, err := s.hub.Photos(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, wire.PhotosPage{Photos: nonNil(ps)})
	return nil
}

// getBlob serves a photo by its hash: content-addressed, so it never
// changes and a bench may cache it for good.
func (s *Server) getBlob(w http.ResponseWriter, r *http.Request, _ benchAuth) error {
	sum := r.PathValue("sha256")
	if !wire.ValidBlobName(sum) {
		return refuse(KindInvalid, wire.CodeInvalidRequest, "A blob is named by the lower-case hex SHA-256 of its content.")
	}
	data, mime, err := s.hub.BlobOf(r.Context(), sum)
	if errors.Is(err, hubdb.ErrNotFound) {
		return refuse(KindNotFound, wire.CodeNotFound, "The hub holds no blob %s.", sum)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", mime)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+sum+`"`)
	_, err = w.Write(data)
	return err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
