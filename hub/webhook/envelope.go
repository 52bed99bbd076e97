package webhook

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/intakebench/intakebench/hub/hubdb"
)

// Seed 004's event types, which a seller's endpoints receive in the seed's
// own envelope, {"type", "token", "result"} (see PublishEnvelopeTx).
const (
	EventSubmissionCreated       = "SubmissionCreatedEvent"
	EventSubmissionItemAccepted  = "SubmissionItemAcceptedEvent"
	EventSubmissionItemRejected  = "SubmissionItemRejectedEvent"
	EventSubmissionMoreInfoAsked = "SubmissionMoreInformationAskedEvent"
	EventOfferUplifted           = "OfferUpdatedWithBuyerUpliftEvent"
	EventOfferReminder           = "OfferReminderEvent"
)

// SellerEventTypes lists seed 004's event types.
func SellerEventTypes() []string {
	return []string{EventSubmissionCreated, EventSubmissionItemAccepted, EventSubmissionItemRejected,
		EventSubmissionMoreInfoAsked, EventOfferUplifted, EventOfferReminder}
}

// PublishEnvelopeTx records an event whose body the caller built whole (a
// seed's own envelope, such as seed 004's {type, token, result}), with id
// as its event id (the X-Webhook-Id header; seed 004's token), and queues
// one delivery to each of endpoints that is registered and wants kind:
// an event meant for one audience (a seller) reaches no other endpoint.
// It runs in the caller's transaction, like PublishTx; Wake after commit.
func (d *Dispatcher) PublishEnvelopeTx(ctx context.Context, tx *hubdb.Tx, kind, id string, body []byte, endpoints []string) error {
	if !d.types[kind] {
		return fmt.Errorf("webhook publish %q: %w", kind, ErrUnknownEventType)
	}
	if id == "" || len(body) == 0 {
		return fmt.Errorf("webhook publish %q: %w", kind, errors.New("an event needs an id and a body"))
	}
	now := d.now().UTC()
	if err := tx.InsertWebhookEvent(ctx, hubdb.WebhookEvent{ID: id, Type: kind, CreatedAt: now, Body: body}); err != nil {
		return fmt.Errorf("webhook publish %q: %w", kind, err)
	}
	if len(endpoints) == 0 {
		return nil
	}
	eps, err := tx.WebhookEndpoints(ctx)
	if err != nil {
		return fmt.Errorf("webhook publish %q: %w", kind, err)
	}
	for _, ep := range eps {
		if !slices.Contains(endpoints, ep.ID) || !wants(ep.Events, kind) {
			continue
		}
		if _, err := tx.InsertWebhookDelivery(ctx, id, ep.ID, now); err != nil {
			return fmt.Errorf("webhook publish %q: %w", kind, err)
		}
	}
	return nil
}
