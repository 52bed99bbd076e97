package main

import (
	"bytes"
	"embed"
)

//go:embed files
var packagingFiles embed.FS

const homepage = "https://github.com/intakebench/intakebench"

// mustRead returns an embedded file; the names are this package's own.
func mustRead(name string) []byte {
	b, err := packagingFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// benchPackage is the bench: the binary, its desktop entry and icon, the
// udev rule for USB-serial scanners and the group it names.
func benchPackage(app fyneApp, binary, icon []byte, depends []string) debPackage {
	desktop := bytes.ReplaceAll(mustRead("files/bench/desktop"), []byte("@NAME@"), []byte(app.Name))
	desktop = bytes.ReplaceAll(desktop, []byte("@ID@"), []byte(app.ID))
	return debPackage{
		Name: "intakebench", Architecture: "amd64", Section: "misc",
		Depends:    append(depends, "adduser"),
		Recommends: []string{"cups-client", "ffmpeg", "alsa-utils | pulseaudio-utils | pipewire-bin"},
		Summary:    "receiving bench of a phone trade-in programme",
		Description: []string{
			"Technicians scan a traded-in phone's IMEI (USB-serial or keyboard-wedge scanner, webcam), see the trade-in it belongs to from an offline cache synced with the hub, grade it and print its label. Store clerks run walk-in trade-ins; supervisors review devices rerouted to Returns.",
			"USB-serial scanners of the common vendors are readable by the user at the seat and by the intakebench group. The intakebench-kiosk package adds a kiosk session.",
		},
		Files: []debFile{
			{Path: "/usr/bin/intakebench", Mode: 0o755, Data: binary},
			{Path: "/usr/share/applications/" + app.ID + ".desktop", Mode: 0o644, Data: desktop},
			{Path: "/usr/share/icons/hicolor/512x512/apps/" + app.ID + ".png", Mode: 0o644, Data: icon},
			{Path: "/usr/lib/udev/rules.d/70-intakebench-scanners.rules", Mode: 0o644, Data: mustRead("files/bench/70-intakebench-scanners.rules")},
			{Path: "/usr/share/man/man1/intakebench.1.gz", Mode: 0o644, Data: gzipped(mustRead("files/common/intakebench.1"))},
			{Path: "/usr/share/lintian/overrides/intakebench", Mode: 0o644, Data: mustRead("files/bench/lintian-overrides")},
		},
		Scripts: map[string][]byte{"postinst": mustRead("files/bench/postinst")},
	}
}

// kioskPackage is the optional kiosk session: a display manager's session
// that runs the bench full screen and starts it again when it stops.
func kioskPackage(version string) debPackage {
	return debPackage{
		Name: "intakebench-kiosk", Architecture: "all", Section: "misc",
		Depends: []string{"intakebench (= " + version + ")"},
		Summary: "kiosk session for the Intake Bench receiving bench",
		Description: []string{
			"A login session, \"Intake Bench kiosk\", that shows the bench full screen and nothing else, starts it again when it crashes, and turns off the screen saver. Choose it at the login screen, or make it the display manager's automatic login session.",
		},
		Files: []debFile{
			{Path: "/usr/libexec/intakebench/kiosk-session", Mode: 0o755, Data: mustRead("files/kiosk/kiosk-session")},
			{Path: "/usr/share/xsessions/intakebench-kiosk.desktop", Mode: 0o644, Data: mustRead("files/kiosk/xsession.desktop")},
		},
	}
}

// hubPackage is the hub as a systemd service, as its own user.
func hubPackage(binary []byte, depends []string) debPackage {
	return debPackage{
		Name: "intakehub", Architecture: "amd64", Section: "net",
		Depends: append(depends, "adduser"),
		Summary: "central trade-in API of Intake Bench",
		Description: []string{
			"The hub that Intake Bench receiving benches sync with, and the public, admin and Upgrade APIs of the trade-in programme, on SQLite or PostgreSQL.",
			"It runs as the systemd service intakehub.service, as the intakehub user, with its database in /var/lib/intakehub and its settings and secrets in /etc/intakehub/intakehub.env.",
		},
		Files: []debFile{
			{Path: "/usr/bin/intakehub", Mode: 0o755, Data: binary},
			{Path: "/usr/lib/systemd/system/intakehub.service", Mode: 0o644, Data: mustRead("files/hub/intakehub.service")},
			{Path: "/etc/intakehub/intakehub.env", Mode: 0o600, Data: mustRead("files/hub/intakehub.env"), Conffile: true},
			{Path: "/usr/share/man/man1/intakehub.1.gz", Mode: 0o644, Data: gzipped(mustRead("files/common/intakehub.1"))},
			{Path: "/usr/share/lintian/overrides/intakehub", Mode: 0o644, Data: mustRead("files/hub/lintian-overrides")},
		},
		Scripts: map[string][]byte{
			"postinst": mustRead("files/hub/postinst"),
			"prerm":    mustRead("files/hub/prerm"),
			"postrm":   mustRead("files/hub/postrm"),
		},
	}
}
