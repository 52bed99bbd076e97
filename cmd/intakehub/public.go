package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/public"
	"github.com/intakebench/intakebench/hub/webhook"
)

// apiKeys lets the public API check bearer keys against the hub's.
type apiKeys struct{ hub *hub.Hub }

func (k apiKeys) Verify(ctx context.Context, key string) ([]string, error) {
	scopes, err := k.hub.VerifyAPIKey(ctx, key)
	if errors.Is(err, hub.ErrUnauthorized) {
		// A wrong key is the caller's mistake, not the hub failing: the
		// public API answers 401 and logs nothing.
		return nil, fmt.Errorf("%w: %w", public.ErrInvalidKey, err)
	}
	return scopes, err
}

// publicAPI makes the webhook dispatcher (see webhookFlags.dispatcher),
// the hub's outbox, and the seed-compatible public API, all on the hub's
// one database handle. The catalog is read once: restart the hub after
// changing it.
func publicAPI(ctx context.Context, h *hub.Hub, log *slog.Logger, hooks *webhookFlags) (*public.API, *webhook.Dispatcher, error) {
	d, err := hooks.dispatcher(ctx, h, log)
	if err != nil {
		return nil, nil, err
	}
	h.SetOutbox(d)
	variants, err := h.Variants(ctx)
	if err != nil {
		return nil, nil, err
	}
	pv := make([]public.Variant, 0, len(variants))
	for _, v := range variants {
		pv = append(pv, public.Variant{ID: public.VariantID(v.Model, v.Storage, v.Carrier), Make: v.Make, Model: v.Model,
			Storage: v.Storage, Carrier: v.Carrier, SKU: v.SKU, Buyback: v.Prices})
	}
	cat, err := public.NewMemoryCatalog(pv)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog for the public API: %w", err)
	}
	api, err := public.New(h.DB(), cat, apiKeys{h}, public.WithWebhooks(d), public.WithLogger(log), public.WithClock(h.Now))
	if err != nil {
		return nil, nil, err
	}
	return api, d, nil
}
