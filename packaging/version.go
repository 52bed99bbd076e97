package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// fyneApp is what FyneApp.toml says of the bench: its name, id (the
// desktop entry's and the icon's name), icon file and version.
type fyneApp struct {
	Name, ID, Icon, Version string
}

// parseFyneApp reads the keys of FyneApp.toml's [Details] table. The file
// is a flat list of key = "string" (or number) lines; reading those few
// keys needs no TOML library.
func parseFyneApp(r io.Reader) (fyneApp, error) {
	var app fyneApp
	section := ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || section != "Details" {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if s, err := strconv.Unquote(value); err == nil {
			value = s
		}
		switch key {
		case "Name":
			app.Name = value
		case "ID":
			app.ID = value
		case "Icon":
			app.Icon = value
		case "Version":
			app.Version = value
		}
	}
	if err := sc.Err(); err != nil {
		return fyneApp{}, fmt.Errorf("FyneApp.toml: %w", err)
	}
	if app.Name == "" || app.ID == "" || app.Icon == "" || app.Version == "" {
		return fyneApp{}, fmt.Errorf("FyneApp.toml: [Details] needs Name, ID, Icon and Version, got %+v", app)
	}
	return app, nil
}

var (
	describeSuffix = regexp.MustCompile(`^(.*)-([0-9]+)-g([0-9a-f]{4,40})$`)
	bareCommit     = regexp.MustCompile(`^[0-9a-f]{4,40}$`)
	debianUpstream = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`)
)

// debVersion turns `git describe --always --dirty` into a Debian version
// (native: no revision). A tag is the version, v dropped and a pre-release
// hyphen made a tilde so that it sorts before the release; commits after a
// tag follow it as +N.gHASH; a tree with no tag gets the app's version
// from FyneApp.toml and +gHASH; a dirty tree ends in .dirty.
//
//	v0.2.0                    → 0.2.0
//	v0.3.0-rc.1               → 0.3.0~rc.1
//	v0.2.0-3-g7b2febd-dirty   → 0.2.0+3.g7b2febd.dirty
//	7b2febd                   → 0.1.0+g7b2febd
func debVersion(describe, appVersion string) (string, error) {
	d, dirty := strings.CutSuffix(describe, "-dirty")
	var v string
	switch m := describeSuffix.FindStringSubmatch(d); {
	case m != nil:
		v = tagVersion(m[1]) + "+" + m[2] + ".g" + m[3]
	case bareCommit.MatchString(d):
		v = appVersion + "+g" + d
	case d == "dev" || d == "":
		v = appVersion + "+dev"
	default:
		v = tagVersion(d)
	}
	if dirty {
		v += ".dirty"
	}
	if !debianUpstream.MatchString(v) {
		return "", fmt.Errorf("version %q (from %q) is not a Debian version: tag releases vN.N.N", v, describe)
	}
	return v, nil
}

func tagVersion(tag string) string {
	return strings.ReplaceAll(strings.TrimPrefix(tag, "v"), "-", "~")
}
