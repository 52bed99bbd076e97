package benchsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
)

// The supervisors' routes of the hub: one review queue for every bench,
// the quarantined devices, and the photos benches took, fetched on demand
// by hash. The engine's loop does not fetch them: the review screen does,
// when a supervisor looks (SharedQueue).

// Reviews fetches the hub's review queue: every device rerouted at any
// bench and waiting for a supervisor, with its grading and photos.
func (c *Client) Reviews(ctx context.Context) ([]intake.Review, error) {
	var page reviewsPage
	if err := c.do(ctx, "review queue", http.MethodGet, "/v1/reviews", nil, nil, wire.MaxPageBytes, &page); err != nil {
		return nil, err
	}
	return page.Reviews, nil
}

// Quarantines fetches the devices benches set aside.
func (c *Client) Quarantines(ctx context.Context) ([]intake.QuarantinedDevice, error) {
	var page quarantinesPage
	if err := c.do(ctx, "quarantines", http.MethodGet, "/v1/quarantines", nil, nil, wire.MaxPageBytes, &page); err != nil {
		return nil, err
	}
	return page.Quarantines, nil
}

// TradeInPhotos fetches the photos benches took of a trade-in's device,
// oldest first; their bytes are Blob's.
func (c *Client) TradeInPhotos(ctx context.Context, tradeInID string) ([]intake.Photo, error) {
	var page photosPage
	if err := c.do(ctx, "photos of "+tradeInID, http.MethodGet, "/v1/tradeins/"+url.PathEscape(tradeInID)+"/photos", nil, nil,
		wire.MaxPageBytes, &page); err != nil {
		return nil, err
	}
	return page.Photos, nil
}

// Blob fetches a photo's bytes by the SHA-256 of its content, and its
// media type. Content that does not hash to sha is refused: what comes
// back is the photo asked for, whatever answered.
func (c *Client) Blob(ctx context.Context, sha string) (data []byte, mediaType string, err error) {
	const op = "fetch photo"
	if !blobName.MatchString(sha) {
		return nil, "", fmt.Errorf("%s %.80q: a photo is named by the lower-case hex SHA-256 of its content", op, sha)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.JoinPath("/v1/blobs", sha).String(), nil)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", op, err)
	}
	resp, err := c.send(req)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", op, err)
	}
	defer drain(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("%s: %w", op, hubError(resp, time.Now()))
	}
	mediaType, _, err = mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || !photoTypes[mediaType] {
		return nil, "", &ResponseError{Op: op, Err: fmt.Errorf("content type %.80q is no photo's", resp.Header.Get("Content-Type"))}
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, wire.MaxBlobBytes+1))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, "", fmt.Errorf("%s: %w", op, ctxErr)
		}
		return nil, "", fmt.Errorf("%s: %w", op, err)
	}
	if len(data) > wire.MaxBlobBytes {
		return nil, "", &ResponseError{Op: op, Err: fmt.Errorf("%w: over %d bytes", wire.ErrTooLarge, wire.MaxBlobBytes)}
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != sha {
		return nil, "", &ResponseError{Op: op, Err: fmt.Errorf("content does not hash to %s", sha)}
	}
	return data, mediaType, nil
}

// photoTypes are the media types the hub stores photos as.
var photoTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true}

var blobName = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ReviewCache is what the shared review queue needs of the bench's store;
// *store.Store is one.
type ReviewCache interface {
	// ReplaceRemoteReviews keeps the hub's queue, replacing what was kept;
	// asked is when the hub was asked.
	ReplaceRemoteReviews(ctx context.Context, rs []intake.Review, asked time.Time) error
	// ReviewQueue lists this bench's units and the hub's queue together.
	ReviewQueue(ctx context.Context) ([]intake.Review, error)
	// PhotoData returns a photo kept here, intake.ErrNotFound if none.
	PhotoData(ctx context.Context, sha string) ([]byte, error)
	// CachePhoto keeps a photo fetched from the hub, for good.
	CachePhoto(ctx context.Context, sha, mediaType string, data []byte) error
}

// FetchReviews fetches the hub's review queue and keeps it in st in place
// of the last one, returning how many items it holds. A fetch that fails
// leaves the last one. What no bench screen shows of a customer (e-mail,
// phone) is not kept.
func FetchReviews(ctx context.Context, c *Client, st ReviewCache) (int, error) {
	// Before asking: a push the hub applies while it answers settles
	// after this, and its unit is not taken for one the hub dropped.
	asked := time.Now()
	rs, err := c.Reviews(ctx)
	if err != nil {
		return 0, err
	}
	for i := range rs {
		rs[i].TradeIn.Customer.Email, rs[i].TradeIn.Customer.Phone = "", ""
	}
	if err := st.ReplaceRemoteReviews(ctx, rs, asked); err != nil {
		return 0, fmt.Errorf("keep the hub's review queue: %w", err)
	}
	return len(rs), nil
}

// CachedPhoto returns a photo's bytes from st, fetching them from the hub
// and keeping them the first time.
func CachedPhoto(ctx context.Context, c *Client, st ReviewCache, sha string) ([]byte, error) {
	data, err := st.PhotoData(ctx, sha)
	if err == nil || !errors.Is(err, intake.ErrNotFound) {
		return data, err
	}
	data, mediaType, err := c.Blob(ctx, sha)
	if err != nil {
		return nil, err
	}
	if err := st.CachePhoto(ctx, sha, mediaType, data); err != nil {
		return nil, fmt.Errorf("keep photo %s: %w", sha, err)
	}
	return data, nil
}

// SharedQueue is the review queue as a supervisor's screen reads it: this
// bench's units and every other bench's reroutes, fetched from the hub on
// FetchQueue, with photos fetched when first shown and kept.
type SharedQueue struct {
	Store ReviewCache
	// Hub returns the client of the bench's hub, nil while there is none
	// (the bench is switching hubs): the queue is then as last fetched.
	Hub func() *Client
}

// ReviewQueue lists what waits for a supervisor, as last fetched.
func (q SharedQueue) ReviewQueue(ctx context.Context) ([]intake.Review, error) {
	return q.Store.ReviewQueue(ctx)
}

// FetchQueue fetches the hub's queue into the store.
func (q SharedQueue) FetchQueue(ctx context.Context) error {
	c := q.hub()
	if c == nil {
		return errors.New("the bench has no hub to ask")
	}
	_, err := FetchReviews(ctx, c, q.Store)
	return err
}

// Quarantines lists the hub's quarantine shelf: what every bench set
// aside. It is asked for each time, never kept: a bench with no hub has
// no shelf but its own to show.
func (q SharedQueue) Quarantines(ctx context.Context) ([]intake.QuarantinedDevice, error) {
	c := q.hub()
	if c == nil {
		return nil, errors.New("the bench has no hub to ask")
	}
	return c.Quarantines(ctx)
}

// PhotoData returns a photo's bytes, from the hub the first time.
func (q SharedQueue) PhotoData(ctx context.Context, sha string) ([]byte, error) {
	c := q.hub()
	if c == nil {
		return q.Store.PhotoData(ctx, sha)
	}
	return CachedPhoto(ctx, c, q.Store, sha)
}

func (q SharedQueue) hub() *Client {
	if q.Hub == nil {
		return nil
	}
	return q.Hub()
}

// The pages of the supervisors' routes, checked before anything of them
// is kept: a hostile or broken hub's queue is refused whole.

type reviewsPage struct{ wire.ReviewsPage }

func (p *reviewsPage) Validate() error {
	if p.Reviews == nil {
		return errors.New("reviews is missing")
	}
	seen := make(map[string]bool, len(p.Reviews))
	for i, r := range p.Reviews {
		if err := validateReview(r); err != nil {
			return fmt.Errorf("review %d: %w", i, err)
		}
		if seen[r.TradeIn.ID] {
			return fmt.Errorf("review %d: trade-in %.64q is listed twice", i, r.TradeIn.ID)
		}
		seen[r.TradeIn.ID] = true
	}
	return nil
}

func validateReview(r intake.Review) error {
	if err := wire.ValidateTradeIn(r.TradeIn); err != nil {
		return err
	}
	if !r.State.AwaitsSupervisor() {
		return fmt.Errorf("trade-in %.64q is %q, not waiting for a supervisor", r.TradeIn.ID, r.State)
	}
	g := r.Grading
	if g.TradeInID != "" && g.TradeInID != r.TradeIn.ID {
		return fmt.Errorf("trade-in %.64q comes with the grading of %.64q", r.TradeIn.ID, g.TradeInID)
	}
	if err := shortText("grading bench", g.Bench, true); err != nil {
		return err
	}
	if err := shortText("grading operator", g.Operator, false); err != nil {
		return err
	}
	return validatePhotos(r.Photos)
}

type quarantinesPage struct{ wire.QuarantinesPage }

func (p *quarantinesPage) Validate() error {
	if p.Quarantines == nil {
		return errors.New("quarantines is missing")
	}
	for i, q := range p.Quarantines {
		if len(q.Identifiers) > wire.MaxLinkIdentifiers {
			return fmt.Errorf("quarantine %d: %d identifiers, more than %d", i, len(q.Identifiers), wire.MaxLinkIdentifiers)
		}
		if err := shortText("quarantine bench", q.Bench, false); err != nil {
			return fmt.Errorf("quarantine %d: %w", i, err)
		}
	}
	return nil
}

type photosPage struct{ wire.PhotosPage }

func (p *photosPage) Validate() error {
	if p.Photos == nil {
		return errors.New("photos is missing")
	}
	return validatePhotos(p.Photos)
}

// maxPhotosPerDevice bounds the photos of one device a page may list.
const maxPhotosPerDevice = 100

func validatePhotos(ps []intake.Photo) error {
	if len(ps) > maxPhotosPerDevice {
		return fmt.Errorf("%d photos of one device, more than %d", len(ps), maxPhotosPerDevice)
	}
	for i, p := range ps {
		if !blobName.MatchString(p.SHA256) {
			return fmt.Errorf("photo %d: %.80q is no SHA-256", i, p.SHA256)
		}
		if err := shortText("photo angle", p.Angle, false); err != nil {
			return fmt.Errorf("photo %d: %w", i, err)
		}
	}
	return nil
}

// shortText checks an id or a name the screens show: UTF-8, at most 256
// bytes, no control characters.
func shortText(what, s string, required bool) error {
	switch {
	case s == "" && required:
		return fmt.Errorf("no %s", what)
	case len(s) > 256:
		return fmt.Errorf("%s is longer than 256 bytes", what)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s is not UTF-8", what)
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return fmt.Errorf("%s holds control characters", what)
		}
	}
	return nil
}
