package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// debFile is one file of a package: its absolute path in the installed
// system, its mode, and its content.
type debFile struct {
	Path     string
	Mode     fs.FileMode
	Data     []byte
	Conffile bool // under /etc, kept across upgrades as the admin edited it
}

// debPackage is a binary package to build.
type debPackage struct {
	Name         string
	Architecture string // amd64, all
	Section      string
	Depends      []string
	Recommends   []string
	Summary      string   // the Description's first line
	Description  []string // its paragraphs
	Files        []debFile
	Scripts      map[string][]byte // postinst, prerm, postrm
}

// release is what every package of one release shares.
type release struct {
	Version    string    // the Debian version
	Describe   string    // git describe, for the changelog
	Commit     string    // the commit hash, for the changelog
	Maintainer string    // Name <address>
	Date       time.Time // the commit's time: changelog date and every file's mtime
}

// build writes the package to dir as NAME_VERSION_ARCH.deb with dpkg-deb,
// adding what every package has: the copyright, a changelog, the md5sums
// and the control file. It returns the file's path.
func (p debPackage) build(ctx context.Context, rel release, dir string) (string, error) {
	stage, err := os.MkdirTemp("", "intakebench-deb-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(stage)

	doc := "/usr/share/doc/" + p.Name + "/"
	files := append(slices.Clone(p.Files),
		debFile{Path: doc + "copyright", Mode: 0o644, Data: copyrightFile(rel.Maintainer)},
		debFile{Path: doc + "changelog.gz", Mode: 0o644, Data: gzipped(changelog(p.Name, rel))},
	)
	slices.SortFunc(files, func(a, b debFile) int { return strings.Compare(a.Path, b.Path) })
	var md5sums bytes.Buffer
	var conffiles []string
	installed := int64(0)
	for _, f := range files {
		if err := writeStaged(stage, f.Path, f.Data, f.Mode); err != nil {
			return "", err
		}
		installed += (int64(len(f.Data)) + 1023) / 1024
		if f.Conffile {
			conffiles = append(conffiles, f.Path)
			continue // dpkg keeps conffiles' sums itself
		}
		sum := md5.Sum(f.Data)
		fmt.Fprintf(&md5sums, "%s  %s\n", hex.EncodeToString(sum[:]), strings.TrimPrefix(f.Path, "/"))
	}

	control := []debFile{
		{Path: "/DEBIAN/control", Mode: 0o644, Data: p.control(rel, installed)},
		{Path: "/DEBIAN/md5sums", Mode: 0o644, Data: md5sums.Bytes()},
	}
	if len(conffiles) > 0 {
		control = append(control, debFile{Path: "/DEBIAN/conffiles", Mode: 0o644, Data: []byte(strings.Join(conffiles, "\n") + "\n")})
	}
	for name, script := range p.Scripts {
		control = append(control, debFile{Path: "/DEBIAN/" + name, Mode: 0o755, Data: script})
	}
	for _, f := range control {
		if err := writeStaged(stage, f.Path, f.Data, f.Mode); err != nil {
			return "", err
		}
	}
	// Every file and directory gets the commit's time: the same commit
	// makes the same package.
	err = filepath.WalkDir(stage, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, rel.Date, rel.Date)
	})
	if err != nil {
		return "", err
	}

	out := filepath.Join(dir, fmt.Sprintf("%s_%s_%s.deb", p.Name, rel.Version, p.Architecture))
	cmd := exec.CommandContext(ctx, "dpkg-deb", "--root-owner-group", "-Zxz", "--build", stage, out)
	cmd.Env = append(os.Environ(), fmt.Sprintf("SOURCE_DATE_EPOCH=%d", rel.Date.Unix()))
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("dpkg-deb --build %s: %w: %s", p.Name, err, b)
	}
	return out, nil
}

// writeStaged writes a file into the staging tree, its directories 0755.
func writeStaged(stage, name string, data []byte, mode fs.FileMode) error {
	dst := filepath.Join(stage, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(dst, data, mode); err != nil {
		return err
	}
	return os.Chmod(dst, mode) // past the umask
}

func (p debPackage) control(rel release, installedKiB int64) []byte {
	var b strings.Builder
	field := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	field("Package", p.Name)
	field("Version", rel.Version)
	field("Architecture", p.Architecture)
	field("Maintainer", rel.Maintainer)
	field("Installed-Size", fmt.Sprint(installedKiB))
	field("Depends", strings.Join(p.Depends, ", "))
	field("Recommends", strings.Join(p.Recommends, ", "))
	field("Section", p.Section)
	field("Priority", "optional")
	field("Homepage", homepage)
	fmt.Fprintf(&b, "Description: %s\n", p.Summary)
	for i, para := range p.Description {
		if i > 0 {
			b.WriteString(" .\n")
		}
		for _, line := range wrap(para, 74) {
			fmt.Fprintf(&b, " %s\n", line)
		}
	}
	return []byte(b.String())
}

// wrap breaks text into lines of at most width characters at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}

// changelog is a native package's changelog: one entry, for this build.
func changelog(pkg string, rel release) []byte {
	return fmt.Appendf(nil, "%s (%s) unstable; urgency=medium\n\n  * Built from commit %s (%s).\n\n -- %s  %s\n",
		pkg, rel.Version, rel.Commit, rel.Describe, rel.Maintainer, rel.Date.UTC().Format(time.RFC1123Z))
}

func copyrightFile(maintainer string) []byte {
	return bytes.ReplaceAll(mustRead("files/common/copyright"), []byte("@MAINTAINER@"), []byte(maintainer))
}

// gzipped is data compressed as Debian wants a changelog: the best
// compression, no name and no time in the header.
func gzipped(data []byte) []byte {
	var b bytes.Buffer
	z, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // the level is valid
	z.Write(data)
	z.Close()
	return b.Bytes()
}

// shlibDepends asks dpkg-shlibdeps which packages the binary's shared
// libraries come from, with their minimum versions, as dpkg-buildpackage
// would: "libc6 (>= 2.34), libgl1, …".
func shlibDepends(ctx context.Context, binary string) ([]string, error) {
	dir, err := os.MkdirTemp("", "intakebench-shlibdeps-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// dpkg-shlibdeps reads debian/control for the package it works for.
	if err := writeStaged(dir, "debian/control", []byte("Source: intakebench\n\nPackage: intakebench\nArchitecture: any\n"), 0o644); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(binary)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "dpkg-shlibdeps", "-O", "-e"+abs)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("dpkg-shlibdeps %s: %w: %s", binary, err, stderr.Bytes())
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "shlibs:Depends="); ok {
			var deps []string
			for _, d := range strings.Split(v, ",") {
				if d = strings.TrimSpace(d); d != "" {
					deps = append(deps, d)
				}
			}
			return deps, nil
		}
	}
	return nil, nil // a static binary depends on no shared library
}
