package shipenginetest

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLabelPDFCrossReferences checks what a PDF reader relies on: startxref
// points at the xref table, and each of its entries at its object.
func TestLabelPDFCrossReferences(t *testing.T) {
	pdf := labelPDF("se-1", "9400100000000000000001")

	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	require.NotNil(t, m)
	xref, err := strconv.Atoi(string(m[1]))
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(pdf[xref:], []byte("xref\n0 6\n0000000000 65535 f \n")))

	entries := regexp.MustCompile(`(\d{10}) 00000 n \n`).FindAllSubmatch(pdf[xref:], -1)
	require.Len(t, entries, 5)
	for i, e := range entries {
		off, err := strconv.Atoi(string(e[1]))
		require.NoError(t, err)
		assert.True(t, bytes.HasPrefix(pdf[off:], fmt.Appendf(nil, "%d 0 obj\n", i+1)), "object %d", i+1)
	}

	stream := regexp.MustCompile(`(?s)<< /Length (\d+) >>\nstream\n(.*?)\nendstream`).FindSubmatch(pdf)
	require.NotNil(t, stream)
	assert.Equal(t, string(stream[1]), strconv.Itoa(len(stream[2])), "stream length")
	assert.Contains(t, string(stream[2]), "(9400100000000000000001) Tj")
}
