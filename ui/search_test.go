package ui

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestManualSearchByAnyPartOfTheName(t *testing.T) {
	f := newFixture(t)
	s, until := newManualReceive(t, f, ReceiveDeps{})
	p := s.manual
	for _, tt := range []struct{ term, ref string }{
		{"Lovelace", "TI-1"}, {"turing", "TI-2"}, {"hopp", "TI-3"}, {"z9993", "TI-3"}, {"ti-2", "TI-2"},
	} {
		p.term.SetText(tt.term)
		p.term.TypedKey(keyReturn())
		until("the results of "+tt.term, func() bool { return p.msg.Text != "Searching…" })
		if assert.Len(t, p.found, 1, tt.term) {
			assert.Equal(t, tt.ref, p.found[0].Reference, tt.term)
		}
		assert.Equal(t, "1 found: tap the one on the packing slip.", p.msg.Text)
	}

	p.term.SetText("Babbage")
	p.term.TypedKey(keyReturn())
	until("the search", func() bool { return p.msg.Text != "Searching…" })
	assert.Empty(t, p.found)
	assert.Equal(t, `No trade-in found for "Babbage". Check the spelling, try part of the surname, the reference or the tracking number, or quarantine the device.`, p.msg.Text)

	p.term.SetText("Al")
	p.term.TypedKey(keyReturn())
	assert.Equal(t, `"Al" is too short to search for: type at least 3 letters or digits of a name, reference or tracking number.`, p.msg.Text,
		"said at once, without a search")
}
