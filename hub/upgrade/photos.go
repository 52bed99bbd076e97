package upgrade

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/internal/httpx"
)

// maxMultipartOverhead is what a multipart upload may carry besides its
// photo: boundaries, part headers, small fields.
const maxMultipartOverhead = 64 << 10

type photoJSON struct {
	ID          string    `json:"id"`
	ContentType string    `json:"content_type"`
	SHA256      string    `json:"sha256"`
	Size        int       `json:"size"`
	URL         string    `json:"url"`
	CreatedAt   time.Time `json:"created_at"`
}

func tooLarge() error {
	return &requestError{status: http.StatusRequestEntityTooLarge, code: codeTooLarge,
		detail: fmt.Sprintf("A photo is at most %d MiB.", hub.MaxPhotoBytes>>20)}
}

// handleUploadPhoto stores a customer's photo: the image bytes as the body
// with an image/* Content-Type, or a multipart/form-data field "photo".
// What the content is, is read from the bytes: a JPEG, PNG or WebP image,
// else 422. 201 with the photo's id, which a submission's photos list.
func (a *API) handleUploadPhoto(w http.ResponseWriter, r *http.Request, c caller) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if r.ContentLength > hub.MaxPhotoBytes+maxMultipartOverhead {
		return tooLarge() // said before it is sent: nothing is read
	}
	var data []byte
	switch {
	case err == nil && strings.HasPrefix(mt, "image/"):
		data, err = readPhoto(http.MaxBytesReader(w, r.Body, hub.MaxPhotoBytes))
	case err == nil && mt == "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, hub.MaxPhotoBytes+maxMultipartOverhead)
		data, err = multipartPhoto(r)
	default:
		return &requestError{status: http.StatusUnsupportedMediaType, code: codeUnsupportedMedia,
			detail: fmt.Sprintf("Send the photo as the body with an image/* Content-Type (image/jpeg, image/png, image/webp), or as the multipart/form-data field \"photo\"; not %q.", ct)}
	}
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return badRequest("The photo is empty.", fieldError{Field: "photo", Message: "is empty"})
	}
	p, err := a.hub.UploadPhoto(r.Context(), c.customer.ID, data)
	if err != nil {
		return err
	}
	url := a.prefix + "/photos/" + p.ID
	w.Header().Set("Location", url)
	httpx.WriteJSON(w, http.StatusCreated, photoJSON{ID: p.ID, ContentType: p.MIME, SHA256: p.SHA256, Size: p.Size, URL: url, CreatedAt: p.CreatedAt.UTC()})
	return nil
}

// readPhoto reads a photo's bytes, refusing more than a photo may have.
func readPhoto(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, hub.MaxPhotoBytes+1))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, tooLarge()
	case err != nil:
		return nil, fmt.Errorf("read photo: %w", err)
	case len(data) > hub.MaxPhotoBytes:
		return nil, tooLarge()
	}
	return data, nil
}

// multipartPhoto reads the form's "photo" field, skipping the others.
func multipartPhoto(r *http.Request) ([]byte, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, badRequest("The multipart body cannot be read: " + err.Error() + ".")
	}
	for {
		part, err := mr.NextPart()
		var tooBig *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			return nil, badRequest("The form has no field \"photo\".", fieldError{Field: "photo", Message: "is required"})
		case errors.As(err, &tooBig):
			return nil, tooLarge()
		case err != nil:
			return nil, badRequest("The multipart body cannot be read: " + err.Error() + ".")
		}
		if part.FormName() != "photo" {
			_, err := io.Copy(io.Discard, part)
			if errors.As(err, &tooBig) {
				return nil, tooLarge()
			}
			continue
		}
		return readPhoto(part)
	}
}

// handleGetPhoto serves a photo to its customer or an admin, as the type
// its bytes were found to be, never sniffed into anything else.
func (a *API) handleGetPhoto(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, hub.CodeUnknownPhoto, "photo")
	if err != nil {
		return err
	}
	data, mt, err := a.hub.Photo(r.Context(), c.customerID(), id)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", mt)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=86400")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
	return nil
}
