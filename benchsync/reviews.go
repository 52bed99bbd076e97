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
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
)

// The supervisors' side of the bench: the review queue and the quarantine
// shelf come on the change feed with the rest (the engine asks for them,
// wire.IncludeReviews) and are kept in the store; the photos benches took
// are fetched on demand by hash and kept for good.

// Blob fetches a photo's bytes by the SHA-256 of its content, and its
// media type. Content that does not hash to sha is refused: what comes
// back is the photo asked for, whatever answered.
func (c *Client) Blob(ctx context.Context, sha string) (data []byte, mediaType string, err error) {
	const op = "fetch photo"
	if !wire.ValidBlobName(sha) {
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

// ReviewCache is what the shared review queue needs of the bench's store;
// *store.Store is one.
type ReviewCache interface {
	// ReviewQueue lists this bench's units and the hub's queue together.
	ReviewQueue(ctx context.Context) ([]intake.Review, error)
	// RemoteQuarantines lists the hub's quarantine shelf as pulled.
	RemoteQuarantines(ctx context.Context) ([]intake.QuarantinedDevice, error)
	// PhotoData returns a photo kept here, intake.ErrNotFound if none.
	PhotoData(ctx context.Context, sha string) ([]byte, error)
	// CachePhoto keeps a photo fetched from the hub, for good.
	CachePhoto(ctx context.Context, sha, mediaType string, data []byte) error
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
// bench's units and every other bench's reroutes, as last pulled, with
// photos fetched when first shown and kept.
type SharedQueue struct {
	Store ReviewCache
	// Hub returns the client of the bench's hub, nil while there is none
	// (the bench is switching hubs): photos not kept yet cannot be shown.
	Hub func() *Client
	// Sync syncs the bench with its hub now and waits for it
	// (Engine.SyncNow), nil when there is nothing to sync with.
	Sync func(ctx context.Context) error
}

// ReviewQueue lists what waits for a supervisor, as last pulled.
func (q SharedQueue) ReviewQueue(ctx context.Context) ([]intake.Review, error) {
	return q.Store.ReviewQueue(ctx)
}

// FetchQueue brings what the hub holds now into the store: a sync, which
// pulls the queue with the rest.
func (q SharedQueue) FetchQueue(ctx context.Context) error {
	if q.Sync == nil {
		return errors.New("the bench has no hub to ask")
	}
	return q.Sync(ctx)
}

// Quarantines lists the quarantine shelf, what every bench set aside, as
// last pulled.
func (q SharedQueue) Quarantines(ctx context.Context) ([]intake.QuarantinedDevice, error) {
	return q.Store.RemoteQuarantines(ctx)
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
