package main

import (
	"bytes"
	"os/exec"

	"github.com/intakebench/intakebench/ui"
)

// audioPlayer plays the bench's sounds with the first command-line player
// the machine has: a bench without one stays silent rather than failing.
type audioPlayer struct {
	argv             []string
	success, trouble []byte
}

// newSounder returns a player for the sounds, or ui.Silent.
func newSounder() ui.Sounder {
	for _, argv := range [][]string{{"aplay", "-q", "-"}, {"paplay"}, {"pw-play", "-"}} {
		if _, err := exec.LookPath(argv[0]); err == nil {
			return audioPlayer{argv: argv, success: ui.SuccessWAV(), trouble: ui.TroubleWAV()}
		}
	}
	return ui.Silent{}
}

// PlayerName is the program the sounds play through (ui.PlayerNamer).
func (p audioPlayer) PlayerName() string { return p.argv[0] }

func (p audioPlayer) Success() { p.play(p.success) }
func (p audioPlayer) Trouble() { p.play(p.trouble) }

// play starts the player and does not wait: a sound never holds up a scan.
func (p audioPlayer) play(wav []byte) {
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Stdin = bytes.NewReader(wav)
	if cmd.Start() == nil {
		go cmd.Wait()
	}
}
