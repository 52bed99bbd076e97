package intake

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPayoutLedger folds ledgers into where their payout stands, and
// refuses the entries the machine would not have written.
func TestPayoutLedger(t *testing.T) {
	owe := PayoutEntry{Kind: PayoutObligation, Amount: 35000, Method: PayoutCard}
	release := func(amount Cents) PayoutEntry { return PayoutEntry{Kind: PayoutRelease, Amount: amount} }
	settle := PayoutEntry{Kind: PayoutSettle, Amount: 32000, Method: PayoutCard, Reference: "tr_1"}
	fail := PayoutEntry{Kind: PayoutFail, Amount: 32000, Note: "card_declined"}
	tests := []struct {
		name    string
		ledger  []PayoutEntry
		want    PayoutStanding
		wantErr string
	}{
		{name: "nothing yet", want: PayoutStanding{State: PayoutNone}},
		{name: "owed", ledger: []PayoutEntry{owe}, want: PayoutStanding{State: PayoutOwed, Amount: 35000, Method: PayoutCard}},
		{name: "held", ledger: []PayoutEntry{owe, {Kind: PayoutHold, Amount: 35000}},
			want: PayoutStanding{State: PayoutHeld, Amount: 35000, Method: PayoutCard}},
		{name: "released lower, a counter-offer taken", ledger: []PayoutEntry{owe, release(32000)},
			want: PayoutStanding{State: PayoutDue, Amount: 32000, Method: PayoutCard}},
		{name: "paid", ledger: []PayoutEntry{owe, release(32000), settle},
			want: PayoutStanding{State: PayoutSettled, Amount: 32000, Method: PayoutCard}},
		{name: "the card declined", ledger: []PayoutEntry{owe, release(32000), fail},
			want: PayoutStanding{State: PayoutFailed, Amount: 32000, Method: PayoutCard}},
		{name: "released again after a decline, then paid", ledger: []PayoutEntry{owe, release(32000), fail, release(32000), settle},
			want: PayoutStanding{State: PayoutSettled, Amount: 32000, Method: PayoutCard}},
		{name: "voided", ledger: []PayoutEntry{owe, {Kind: PayoutVoid, Amount: 35000}},
			want: PayoutStanding{State: PayoutVoided, Amount: 35000, Method: PayoutCard}},

		{name: "a release above the obligation", ledger: []PayoutEntry{owe, release(35001)},
			wantErr: "payout entry 0 of trade-in : a release of 350.01 is not between 0.01 and the 350.00 owed: amount out of range"},
		{name: "a settlement of another amount", ledger: []PayoutEntry{owe, release(35000), settle},
			wantErr: "payout entry 0 of trade-in : a settlement of 320.00 is not the 350.00 due"},
		{name: "a failure of a payout not due", ledger: []PayoutEntry{owe, fail},
			wantErr: "payout entry 0 of trade-in : a payout that is owed cannot take a fail"},
		{name: "a failure after payment", ledger: []PayoutEntry{owe, release(32000), settle, fail},
			wantErr: "payout entry 0 of trade-in : a payout that is settled cannot take a fail"},
		{name: "a void of a failed payout", ledger: []PayoutEntry{owe, release(32000), fail, {Kind: PayoutVoid, Amount: 32000}},
			wantErr: "payout entry 0 of trade-in : a payout that is failed cannot take a void"},
		{name: "paid twice", ledger: []PayoutEntry{owe, release(32000), settle, settle},
			wantErr: "payout entry 0 of trade-in : a payout that is settled cannot take a settle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PayoutOf(tt.ledger)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
