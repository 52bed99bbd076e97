package ui

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGeneratedSoundsAreDistinctWAVs(t *testing.T) {
	ok, bad := SuccessWAV(), TroubleWAV()
	for _, wav := range [][]byte{ok, bad} {
		require.Greater(t, len(wav), 44)
		assert.Equal(t, "RIFF", string(wav[0:4]))
		assert.Equal(t, "WAVE", string(wav[8:12]))
		assert.Equal(t, uint32(len(wav)-8), binary.LittleEndian.Uint32(wav[4:8]))
		assert.Equal(t, uint32(wavRate), binary.LittleEndian.Uint32(wav[24:28]))
		assert.Equal(t, uint32(len(wav)-44), binary.LittleEndian.Uint32(wav[40:44]))
		seconds := float64(len(wav)-44) / 2 / wavRate
		assert.InDelta(t, 0.3, seconds, 0.15, "short")
	}
	assert.NotEqual(t, ok, bad)
}
