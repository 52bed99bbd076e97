package ui

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/intakebench/intakebench/intake"
)

func TestExplainSaysWhatHappenedAndWhatToDo(t *testing.T) {
	mismatch := &intake.ModelMismatchError{Reference: "TI-9", Device: intake.Device{Make: "Apple", Model: "iPhone 13"},
		TAC: intake.TACLookup{IMEI: "356938035643809", TAC: "35693803", Models: []intake.DeviceModel{{Make: "Apple", Model: "iPhone 12"}}}}
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"model mismatch", fmt.Errorf("receive: %w", mismatch), []string{"TI-9", "iPhone 12", "Nothing was recorded", "corrected and quoted again"}},
		{"walk-in of another model", fmt.Errorf("accept walk-in: %w", &intake.WalkInModelError{Picked: intake.DeviceModel{Make: "Apple", Model: "iPhone 13"}, TAC: mismatch.TAC}),
			[]string{"listed for the Apple iPhone 12, not the Apple iPhone 13 picked", "Nothing was recorded", "pick the model the IMEI names"}},
		{"timeout", context.DeadlineExceeded, []string{"Receiving took too long", "Nothing was recorded"}},
		{"anything else", errors.New("disk I/O error"), []string{"Receiving failed: disk I/O error", "Nothing was recorded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := explain("Receiving", tt.err)
			for _, w := range tt.want {
				assert.Contains(t, got, w)
			}
		})
	}
}
