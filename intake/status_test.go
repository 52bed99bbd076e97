package intake

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTransitionFollowsTheFlow(t *testing.T) {
	happy := []Status{StatusDraft, StatusSubmitted, StatusOffered, StatusAccepted, StatusShipped, StatusReceived, StatusInspected, StatusCompleted}
	for i := 1; i < len(happy); i++ {
		require.NoError(t, Transition(happy[i-1], happy[i]), "%s → %s", happy[i-1], happy[i])
	}
}

func TestTransition(t *testing.T) {
	tests := []struct {
		from, to Status
		ok       bool
	}{
		{StatusOffered, StatusOffered, true}, // a revised offer
		{StatusAccepted, StatusReceived, true},
		{StatusInspected, StatusDeclined, true},
		{StatusInspected, StatusInspected, true}, // graded again
		{StatusDeclined, StatusOffered, true},    // a counter-quote
		{StatusSubmitted, StatusReceived, false},
		{StatusShipped, StatusCompleted, false},
		{StatusCompleted, StatusDeclined, false},
		{StatusDeclined, StatusReceived, false},
		{StatusDeclined, StatusAccepted, false},
		{StatusDraft, StatusOffered, false},
		{StatusReceived, StatusCompleted, false},
		{StatusReceived, StatusReceived, false},
		{"lost", StatusReceived, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"→"+string(tt.to), func(t *testing.T) {
			err := Transition(tt.from, tt.to)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			var te *TransitionError
			require.True(t, errors.As(err, &te))
			assert.Equal(t, tt.from, te.From)
			assert.Contains(t, err.Error(), string(tt.from), "the error names the state it starts from")
			assert.Contains(t, err.Error(), string(tt.to), "the error names the state it goes to")
		})
	}
}

func TestTerminalStatusesHaveNoWayOut(t *testing.T) {
	for _, from := range Statuses {
		exits := 0
		for _, to := range Statuses {
			if Transition(from, to) == nil {
				exits++
			}
		}
		assert.Equal(t, from.Terminal(), exits == 0, from)
	}
	assert.True(t, StatusCompleted.Terminal())
	assert.False(t, StatusDeclined.Terminal(), "a declined trade-in may be counter-quoted")
	assert.False(t, Status("lost").Valid())
	assert.False(t, Status("returned").Valid(), "a returned device is its unit's state, not a trade-in status")
	assert.Len(t, Statuses, 9)
}

func TestParseStatus(t *testing.T) {
	s, err := ParseStatus("shipped")
	require.NoError(t, err)
	assert.Equal(t, StatusShipped, s)
	_, err = ParseStatus("returned")
	assert.EqualError(t, err, `unknown status "returned" (want one of draft, submitted, offered, accepted, shipped, received, inspected, completed, declined)`)
}

func TestCanCounterQuote(t *testing.T) {
	received := &Receipt{TradeInID: "t"}
	tests := []struct {
		t    TradeIn
		want bool
	}{
		{TradeIn{Status: StatusSubmitted}, true},
		{TradeIn{Status: StatusOffered}, true},
		{TradeIn{Status: StatusDeclined}, true},
		{TradeIn{Status: StatusDeclined, Receipt: received}, false},
		{TradeIn{Status: StatusDraft}, false},
		{TradeIn{Status: StatusAccepted}, false},
		{TradeIn{Status: StatusInspected, Receipt: received}, false},
		{TradeIn{Status: StatusCompleted, Receipt: received}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.t.CanCounterQuote(), "%s, received %v", tt.t.Status, tt.t.Receipt != nil)
	}
}

func TestReceivableAndReceivedAreDisjoint(t *testing.T) {
	for _, s := range Statuses {
		assert.False(t, s.CanBeReceived() && s.Received(), s)
		if s.CanBeReceived() {
			assert.NoError(t, Transition(s, StatusReceived), "a receivable status must be able to move to received")
		}
	}
}
