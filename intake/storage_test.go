package intake_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/intakebench/intakebench/intake"
)

func TestStorageSortsBySize(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{[]string{"1TB", "128GB", "256GB", "64GB", "512GB"}, []string{"64GB", "128GB", "256GB", "512GB", "1TB"}},
		{[]string{"2 TB", "512 gb", "unknown", "32GB"}, []string{"32GB", "512 gb", "2 TB", "unknown"}},
	}
	for _, tt := range tests {
		got := slices.Clone(tt.in)
		slices.SortStableFunc(got, intake.CompareStorage)
		assert.Equal(t, tt.want, got)
	}
}
