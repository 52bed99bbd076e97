// Package zpltest reads back the ZPL a test printer received: the label's
// size, its Code 128 data as a scanner would read it, and its text fields,
// so tests check what a Zebra would print, not how our code spelled it.
package zpltest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Format is one ^XA…^XZ label.
type Format struct {
	Width, Height int      // ^PW, ^LL
	Barcode       string   // the ^BC field's data with its invocation codes read
	Module        int      // ^BY
	Texts         []string // the text fields' data, ^FH escapes read, in order
}

// Parse reads every format in data (several labels may arrive in one
// connection or file).
func Parse(data []byte) ([]Format, error) {
	var out []Format
	for _, chunk := range bytes.Split(data, []byte("^XZ")) {
		i := bytes.Index(chunk, []byte("^XA"))
		if i < 0 {
			if len(bytes.TrimSpace(chunk)) > 0 && !bytes.HasPrefix(bytes.TrimSpace(chunk), []byte("~")) {
				return nil, fmt.Errorf("zpl: %q outside a format", chunk)
			}
			continue
		}
		f, err := parseFormat(string(chunk[i+3:]))
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func parseFormat(s string) (Format, error) {
	var f Format
	var barcode, hexEsc bool
	for _, cmd := range strings.Split(s, "^")[1:] {
		cmd = strings.TrimRight(cmd, "\r\n")
		switch {
		case strings.HasPrefix(cmd, "PW"):
			f.Width, _ = strconv.Atoi(cmd[2:])
		case strings.HasPrefix(cmd, "LL"):
			f.Height, _ = strconv.Atoi(cmd[2:])
		case strings.HasPrefix(cmd, "BY"):
			f.Module, _ = strconv.Atoi(strings.Split(cmd[2:], ",")[0])
		case strings.HasPrefix(cmd, "BC"):
			barcode = true
		case strings.HasPrefix(cmd, "FH"):
			hexEsc = true
		case strings.HasPrefix(cmd, "FD"):
			data := cmd[2:]
			if barcode {
				f.Barcode = readInvocations(data)
			} else {
				if hexEsc {
					var err error
					if data, err = unescape(data); err != nil {
						return Format{}, err
					}
				}
				f.Texts = append(f.Texts, data)
			}
		case strings.HasPrefix(cmd, "FS"):
			barcode, hexEsc = false, false
		}
	}
	return f, nil
}

// readInvocations drops Code 128 subset changes (>: >; >5 >6 ...) from
// no-mode ^BC data, leaving the text a scanner reads; >0 is a '>'.
func readInvocations(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '>' && i+1 < len(s) {
			if s[i+1] == '0' {
				b.WriteByte('>')
			}
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescape reads ^FH's _XX hex escapes.
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '_' {
			b.WriteByte(s[i])
			continue
		}
		if i+3 > len(s) {
			return "", fmt.Errorf("zpl: cut escape in %q", s)
		}
		v, err := hex.DecodeString(s[i+1 : i+3])
		if err != nil {
			return "", fmt.Errorf("zpl: escape in %q: %w", s, err)
		}
		b.Write(v)
		i += 2
	}
	return b.String(), nil
}
