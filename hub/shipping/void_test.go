package shipping_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/shipping"
	"github.com/intakebench/intakebench/hub/shipping/shipenginetest"
)

func TestVoidLabel(t *testing.T) {
	ctx := t.Context()
	srv := shipenginetest.New(t, testKey)
	c := newClient(t, srv)
	for range 3 {
		_, err := c.Arrange(ctx, validRequest())
		require.NoError(t, err)
	}
	srv.SetTrackingStatus("9400100000000000000003", shipping.StatusInTransit)

	got, err := c.VoidLabel(ctx, "se-1")
	require.NoError(t, err)
	assert.Equal(t, shipping.Void{Approved: true, Message: "Request for refund submitted. Label se-1 has been voided."}, got)
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	assert.Equal(t, "PUT", last.Method)
	assert.Equal(t, "/v1/labels/se-1/void", last.Path)
	assert.Equal(t, testKey, last.Header.Get("API-Key"))
	assert.Empty(t, last.Body)

	got, err = c.VoidLabel(ctx, "se-1")
	require.NoError(t, err, "a second void is an answer, not an error")
	assert.Equal(t, shipping.Void{Message: "Label se-1 has already been voided.", ReasonCode: shipping.VoidAlreadyVoided}, got)

	got, err = c.VoidLabel(ctx, "se-3")
	require.NoError(t, err)
	assert.Equal(t, shipping.Void{Message: "Label se-3 has already been used: the carrier has scanned the parcel.", ReasonCode: shipping.VoidAlreadyUsed}, got)

	_, err = c.VoidLabel(ctx, "se-9")
	require.ErrorIs(t, err, shipping.ErrInvalidRequest)
	assert.Equal(t, "shipping: void label se-9: shipengine: HTTP 404: Label se-9 was not found. (not_found) [request_id 00000000-0000-4000-8000-000000000007]", err.Error())

	assert.Equal(t, []string{"se-1"}, srv.Voided())
}

func TestVoidLabelFailures(t *testing.T) {
	ctx := t.Context()

	t.Run("no label id is refused before anything is sent", func(t *testing.T) {
		srv := shipenginetest.New(t, testKey)
		_, err := newClient(t, srv).VoidLabel(ctx, " ")
		require.ErrorIs(t, err, shipping.ErrInvalidRequest)
		assert.EqualError(t, err, "shipping: invalid request: label_id is required")
		assert.Empty(t, srv.Requests())
	})

	t.Run("500 is transient and not retried; the caller's retry voids", func(t *testing.T) {
		srv := shipenginetest.New(t, testKey)
		c := newClient(t, srv)
		_, err := c.Arrange(ctx, validRequest())
		require.NoError(t, err)
		srv.FailNext(1)

		_, err = c.VoidLabel(ctx, "se-1")
		require.ErrorIs(t, err, shipping.ErrTransient)
		assert.Equal(t, "shipping: void label se-1: shipengine: HTTP 500: An unexpected error occurred. Please try again. (unspecified) [request_id 00000000-0000-4000-8000-000000000002]", err.Error())
		assert.Len(t, srv.Requests(), 2)
		assert.Empty(t, srv.Voided())

		got, err := c.VoidLabel(ctx, "se-1")
		require.NoError(t, err)
		assert.True(t, got.Approved)
		assert.Equal(t, []string{"se-1"}, srv.Voided())
	})

	t.Run("an answer without approved is an error", func(t *testing.T) {
		odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"message":"ok"}`))
		}))
		t.Cleanup(odd.Close)
		c, err := shipping.NewShipEngine(testKey, shipping.WithBaseURL(odd.URL))
		require.NoError(t, err)
		_, err = c.VoidLabel(ctx, "se-1")
		assert.EqualError(t, err, "shipping: void label se-1: ShipEngine answered without approved")
	})

	t.Run("a label id is one path segment", func(t *testing.T) {
		srv := shipenginetest.New(t, testKey)
		_, err := newClient(t, srv).VoidLabel(ctx, "se-1/../../tracking")
		require.ErrorIs(t, err, shipping.ErrInvalidRequest)
		assert.Equal(t, "/v1/labels/se-1/../../tracking/void", srv.Requests()[0].Path, "escaped on the wire, one segment on arrival")
	})
}
