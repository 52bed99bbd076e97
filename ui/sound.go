package ui

import (
	"bytes"
	"encoding/binary"
	"math"
	"time"

	"fyne.io/fyne/v2"
)

// Sounder plays the bench's two sounds: a success chime and a trouble buzz,
// so an operator hears the outcome of a scan without looking.
type Sounder interface {
	Success()
	Trouble()
}

// PlayerNamer is a Sounder that says what it plays through (aplay, say);
// the status bar names it. A Sounder that is not one is taken as silent.
type PlayerNamer interface {
	PlayerName() string
}

// SoundState is what the status bar says about the bench's sounds.
type SoundState struct {
	Player string // "" when the bench has no way to play a sound
	On     bool   // Settings' "Sounds on"
}

// switchedSound plays through next unless Settings turned sounds off.
type switchedSound struct {
	next  Sounder
	prefs fyne.Preferences
}

func (s switchedSound) on() bool { return s.prefs.BoolWithFallback(PrefSound, true) }

func (s switchedSound) Success() {
	if s.on() {
		s.next.Success()
	}
}

func (s switchedSound) Trouble() {
	if s.on() {
		s.next.Trouble()
	}
}

func (s switchedSound) state() SoundState {
	st := SoundState{On: s.on()}
	if n, ok := s.next.(PlayerNamer); ok {
		st.Player = n.PlayerName()
	}
	return st
}

// Silent is a Sounder that plays nothing: the default until the app plugs
// in an audio player for SuccessWAV and TroubleWAV.
type Silent struct{}

func (Silent) Success() {}
func (Silent) Trouble() {}

// Tone is one note of a sound: a frequency held for a duration. A zero
// frequency is a rest.
type Tone struct {
	Hz  float64
	For time.Duration
}

// wavRate is the sample rate of the generated sounds.
const wavRate = 22050

// SuccessWAV is a short rising two-note chime: things went right.
func SuccessWAV() []byte {
	return ToneWAV(wavRate, false, Tone{Hz: 880, For: 90 * time.Millisecond}, Tone{Hz: 1320, For: 140 * time.Millisecond})
}

// TroubleWAV is a low double buzz: look at the screen.
func TroubleWAV() []byte {
	return ToneWAV(wavRate, true, Tone{Hz: 220, For: 160 * time.Millisecond}, Tone{For: 60 * time.Millisecond}, Tone{Hz: 220, For: 160 * time.Millisecond})
}

// ToneWAV renders tones as a 16-bit mono PCM WAV file. square makes a
// harsher square wave instead of a sine. Each note fades in and out over a
// few milliseconds so it does not click.
func ToneWAV(rate int, square bool, tones ...Tone) []byte {
	var samples []int16
	const amplitude = 0.5 * math.MaxInt16
	fade := rate / 200 // 5 ms
	for _, t := range tones {
		n := int(t.For.Seconds() * float64(rate))
		for i := range n {
			v := 0.0
			if t.Hz > 0 {
				v = math.Sin(2 * math.Pi * t.Hz * float64(i) / float64(rate))
				if square {
					v = math.Copysign(0.6, v)
				}
			}
			if edge := min(i, n-1-i); edge < fade {
				v *= float64(edge) / float64(fade)
			}
			samples = append(samples, int16(v*amplitude))
		}
	}
	var b bytes.Buffer
	dataLen := uint32(len(samples) * 2)
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(36 + dataLen)
	b.WriteString("WAVEfmt ")
	w(uint32(16))         // fmt chunk size
	w(uint16(1))          // PCM
	w(uint16(1))          // mono
	w(uint32(rate))       // sample rate
	w(uint32(rate * 2))   // byte rate
	w(uint16(2))          // block align
	w(uint16(16))         // bits per sample
	b.WriteString("data") //
	w(dataLen)
	w(samples)
	return b.Bytes()
}
