package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
)

// namedSounds is a test Sounder that plays through a named player.
type namedSounds struct{ sounds }

func (*namedSounds) PlayerName() string { return "aplay" }

// Settings' "Test sounds" plays the chime, then the buzz; "Sounds on"
// unticked mutes both everywhere, and the status bar says which.
func TestSoundsCanBeTestedAndMuted(t *testing.T) {
	f := newFixture(t)
	snd := &namedSounds{}
	sh, until := newShellWith(t, f, func() { t.Error("the app quit") }, snd)
	loginAs(t, sh, until, tech, pinTech)
	snd.sounds = sounds{} // the login's chime
	b, set := sh.StatusBar(), sh.settings
	assert.Equal(t, "Sound on", b.sound.Text)

	set.TestSounds()
	assert.Equal(t, [2]int{1, 0}, counts(snd), "the chime first")
	f.clock.Advance(soundGap)
	until("the buzz", func() bool { return counts(snd) == [2]int{1, 1} })

	test.Tap(set.sound) // off
	assert.Equal(t, "Sound off", b.sound.Text)
	set.TestSounds()
	assert.Equal(t, "Sounds are off: tick \"Sounds on\" first.", set.msg.Text)
	sh.env.success()
	sh.env.trouble()
	assert.Equal(t, [2]int{1, 1}, counts(snd), "muted")

	test.Tap(set.sound) // on again
	assert.Equal(t, "Sound on", b.sound.Text)
	sh.env.success()
	assert.Equal(t, [2]int{2, 1}, counts(snd))
}

func counts(s *namedSounds) [2]int {
	ok, trouble := s.counts()
	return [2]int{ok, trouble}
}

// A bench with no audio player says so, where a technician who hears
// nothing would look.
func TestStatusBarSaysWhenTheBenchCannotBeHeard(t *testing.T) {
	test.NewTempApp(t)
	b := NewStatusBar()
	for _, tt := range []struct {
		state SoundState
		text  string
	}{
		{SoundState{}, "No sound: no audio player"},
		{SoundState{Player: "aplay"}, "Sound off"},
		{SoundState{Player: "aplay", On: true}, "Sound on"},
	} {
		b.SetSound(tt.state)
		assert.Equal(t, tt.text, b.sound.Text)
	}
	f := newFixture(t)
	sh, _ := newShell(t, f) // Silent: no player
	assert.Equal(t, "No sound: no audio player", sh.StatusBar().sound.Text)
}
