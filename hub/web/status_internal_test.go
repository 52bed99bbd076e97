package web

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// A note the hub writes on a declined trade-in later (its label voided)
// neither replaces the reason the customer reads nor moves the date.
func TestStatusPageDeclineIgnoresLaterNotes(t *testing.T) {
	declined := time.Date(2024, 1, 16, 9, 0, 0, 0, time.UTC)
	v := hub.SubmissionView{
		TradeIn: intake.TradeIn{Reference: "TI-2024-000001", Status: intake.StatusDeclined},
		History: []hubdb.HistoryEntry{
			{To: intake.StatusSubmitted, At: declined.Add(-24 * time.Hour)},
			{From: intake.StatusSubmitted, To: intake.StatusAccepted, At: declined.Add(-time.Hour)},
			{From: intake.StatusAccepted, To: intake.StatusDeclined, Reason: "We do not buy this device", At: declined},
			{From: intake.StatusDeclined, To: intake.StatusDeclined, Reason: "Prepaid shipping label se-1 voided.", At: declined.Add(time.Minute)},
		},
	}
	p := statusOf(v, false)
	last := p.Steps[len(p.Steps)-1]
	require.Equal(t, "Declined", last.Name)
	assert.Equal(t, "We do not buy this device", last.Detail)
	assert.Equal(t, declined, last.When)
}
