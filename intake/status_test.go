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
		{StatusDeclined, StatusReturned, true},
		{StatusSubmitted, StatusReceived, false},
		{StatusShipped, StatusCompleted, false},
		{StatusCompleted, StatusReturned, false},
		{StatusReturned, StatusReceived, false},
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
	assert.True(t, StatusReturned.Terminal())
	assert.False(t, Status("lost").Valid())
}

func TestReceivableAndReceivedAreDisjoint(t *testing.T) {
	for _, s := range Statuses {
		assert.False(t, s.CanBeReceived() && s.Received(), s)
		if s.CanBeReceived() {
			assert.NoError(t, Transition(s, StatusReceived), "a receivable status must be able to move to received")
		}
	}
}
