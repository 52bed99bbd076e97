package intake

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRoleMay is every role against every action, as the README has them:
// a technician receives and grades, a clerk runs walk-ins and nothing of
// the warehouse, a supervisor does all that and owns the bench itself
// (its hub, kiosk mode, quitting, updates).
func TestRoleMay(t *testing.T) {
	type row struct {
		receive, quarantine, grade, reroute, walkIn, decide, override, enroll, kiosk, quit, update bool
	}
	tests := []struct {
		role Role
		want row
	}{
		{"technician", row{receive: true, quarantine: true, grade: true, reroute: true}},
		{"clerk", row{walkIn: true}},
		{"supervisor", row{true, true, true, true, true, true, true, true, true, true, true}},
		{"", row{}},       // a locked bench: nobody
		{"intern", row{}}, // a role this bench does not know
	}
	actions := []Action{"receive", "quarantine", "grade", "reroute", "walk-in", "supervisor-decision", "override-payout",
		"enroll-bench", "set-kiosk-mode", "quit-bench", "update-bench"}
	assert.Equal(t, actions, Actions(), "every action has its column")
	for _, tt := range tests {
		want := []bool{tt.want.receive, tt.want.quarantine, tt.want.grade, tt.want.reroute, tt.want.walkIn,
			tt.want.decide, tt.want.override, tt.want.enroll, tt.want.kiosk, tt.want.quit, tt.want.update}
		for i, a := range actions {
			t.Run(string(tt.role)+"/"+string(a), func(t *testing.T) {
				assert.Equal(t, want[i], tt.role.May(a))
				err := Authorize(Operator{ID: "op-1", Name: "Pat", Role: tt.role}, a)
				if want[i] {
					assert.NoError(t, err)
					return
				}
				var pe *PermissionError
				require.True(t, errors.As(err, &pe), "got %v", err)
				assert.Equal(t, a, pe.Action)
			})
		}
	}
}

func TestPermissionErrorSaysWhoAndWhat(t *testing.T) {
	tests := []struct {
		op     Operator
		action Action
		want   string
	}{
		{Operator{ID: "op-clerk-1", Name: "Carl Clerk", Role: "clerk"}, "receive", "Carl Clerk (clerk) may not receive"},
		{Operator{ID: "op-tech-1", Name: "Tess Tech", Role: "technician"}, "enroll-bench", "Tess Tech (technician) may not enroll-bench"},
		{Operator{ID: "op-tech-1", Name: "Tess Tech", Role: "technician"}, "set-kiosk-mode", "Tess Tech (technician) may not set-kiosk-mode"},
		{Operator{}, "quit-bench", "nobody is logged in to quit-bench"},
	}
	for _, tt := range tests {
		assert.EqualError(t, Authorize(tt.op, tt.action), tt.want)
	}
}
