package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/png"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestGCBlobs runs gc-blobs on a hub holding a photo uploaded two days ago
// whose event never came, and one uploaded now.
func TestGCBlobs(t *testing.T) {
	ago := 48 * time.Hour
	h := hubtest.New(t, hubtest.Config{Hub: hub.Config{Now: func() time.Time { return time.Now().Add(-ago) }}})
	token := h.Enroll(t, "bench-gc")
	upload := func(size int) string {
		t.Helper()
		var b bytes.Buffer
		require.NoError(t, png.Encode(&b, image.NewGray(image.Rect(0, 0, size, size))))
		sum := sha256.Sum256(b.Bytes())
		name := hex.EncodeToString(sum[:])
		req, err := http.NewRequest(http.MethodPut, h.URL+"/v1/blobs/"+name, &b)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusCreated, resp.StatusCode)
		return name
	}
	old := upload(4)
	ago = 0
	young := upload(5)

	tests := []struct {
		name string
		args []string
		out  string
		err  error
	}{
		{"a zero age would delete uploads about to be referenced", []string{"--older-than", "0"}, "", errUsage},
		{"a week: nothing is that old", []string{"--older-than", "168h"}, "removed 0 unreferenced blobs\n", nil},
		{"the default day", nil, "removed 1 unreferenced blobs\n", nil},
		{"again", nil, "removed 0 unreferenced blobs\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), append([]string{"gc-blobs", "--db", h.Path}, tt.args...), &out, &errOut)
			assert.ErrorIs(t, err, tt.err, errOut.String())
			assert.Equal(t, tt.out, out.String())
		})
	}
	ctx := context.Background()
	_, _, err := h.Blob(ctx, old)
	assert.ErrorIs(t, err, hub.ErrNotFound)
	_, _, err = h.Blob(ctx, young)
	assert.NoError(t, err)
}
