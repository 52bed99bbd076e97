package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/public"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/intake"
)

// apiKeys lets the public API check bearer keys against the hub's.
type apiKeys struct{ hub *hub.Hub }

func (k apiKeys) Verify(ctx context.Context, key string) ([]string, error) {
	return k.hub.VerifyAPIKey(ctx, key)
}

// sinkSlot forwards the hub's applied events to the webhook dispatcher, which
// can only be made once the hub has set its database file up.
type sinkSlot struct{ d *webhook.Dispatcher }

func (s *sinkSlot) Publish(ctx context.Context, kind string, payload any) error {
	if s.d == nil {
		return nil
	}
	return s.d.Publish(ctx, kind, payload)
}

// publicAPI opens the seed-compatible public API and the webhook dispatcher
// on the hub's database file. The catalog is read once: restart the hub
// after changing it.
func publicAPI(ctx context.Context, h *hub.Hub, file string, sink *sinkSlot, log *slog.Logger) (*public.API, *webhook.Dispatcher, func() error, error) {
	db, err := hub.OpenSharedDB(file)
	if err != nil {
		return nil, nil, nil, err
	}
	fail := func(err error) (*public.API, *webhook.Dispatcher, func() error, error) {
		db.Close()
		return nil, nil, nil, err
	}
	if err := webhook.Migrate(ctx, db); err != nil {
		return fail(err)
	}
	if err := public.Migrate(ctx, db); err != nil {
		return fail(err)
	}
	// Every event a bench can push is a webhook event type.
	d, err := webhook.New(db, webhook.WithLogger(log), webhook.WithEventTypes(
		string(intake.EventOverrideAccepted), string(intake.EventPhotosRequested), string(intake.EventWalkInAccepted)))
	if err != nil {
		return fail(err)
	}
	variants, err := h.Variants(ctx)
	if err != nil {
		return fail(err)
	}
	pv := make([]public.Variant, 0, len(variants))
	for _, v := range variants {
		pv = append(pv, public.Variant{ID: public.VariantID(v.Model, v.Storage, v.Carrier), Make: v.Make, Model: v.Model,
			Storage: v.Storage, Carrier: v.Carrier, SKU: v.SKU, Buyback: v.Prices})
	}
	cat, err := public.NewMemoryCatalog(pv)
	if err != nil {
		return fail(fmt.Errorf("catalog for the public API: %w", err))
	}
	api, err := public.New(db, cat, apiKeys{h}, public.WithWebhooks(d), public.WithLogger(log))
	if err != nil {
		return fail(err)
	}
	sink.d = d
	return api, d, db.Close, nil
}
