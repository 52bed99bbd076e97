package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/web"
)

// wasmMagic opens every WebAssembly module: "\0asm", version 1.
var wasmMagic = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

func TestWasmDecoderServedGzippedOrPlain(t *testing.T) {
	e := newEnv(t)
	requireWasmDecoder(t, e.srv.URL)
	plain := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, tc := range []struct {
		name, acceptEncoding string
		gzipped              bool
	}{
		{name: "gzip taken", acceptEncoding: "br, gzip;q=0.8", gzipped: true},
		{name: "no encoding", acceptEncoding: ""},
		{name: "gzip refused", acceptEncoding: "gzip;q=0, br"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/web/static/decoder.wasm", nil)
			require.NoError(t, err)
			if tc.acceptEncoding != "" {
				req.Header.Set("Accept-Encoding", tc.acceptEncoding)
			}
			resp, err := plain.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "application/wasm", resp.Header.Get("Content-Type"), "instantiateStreaming wants it")
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			if tc.gzipped {
				assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
				zr, err := gzip.NewReader(bytes.NewReader(body))
				require.NoError(t, err)
				body, err = io.ReadAll(zr)
				require.NoError(t, err)
			} else {
				assert.Empty(t, resp.Header.Get("Content-Encoding"))
			}
			require.Greater(t, len(body), len(wasmMagic))
			assert.Equal(t, wasmMagic, body[:len(wasmMagic)])
		})
	}
}

func TestBuyerPageOffersWasmDecoderOnlyWhenServed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []web.Option
		worker bool
	}{
		{name: "built", worker: true},
		{name: "left out", opts: []web.Option{web.WithoutWasmDecoder()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts...)
			c := e.client()
			page := e.get(c, "/trade-in")
			require.Equal(t, http.StatusOK, page.status)
			assert.Equal(t, tc.worker, strings.Contains(page.body, `data-worker="/web/static/decoder-worker.js"`))
			want := http.StatusNotFound
			if tc.worker {
				want = http.StatusOK
			}
			assert.Equal(t, want, e.get(c, "/web/static/decoder.wasm").status)
		})
	}
}
