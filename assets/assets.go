// Package assets embeds the files the app ships with: its icon today, the
// default grading rubric and sounds as they come.
package assets

import _ "embed"

// IconPNG is the app icon, 512×512.
//
//go:embed icon.png
var IconPNG []byte
