package ui

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

type portsFunc func(context.Context) ([]string, error)

func (f portsFunc) Ports(ctx context.Context) ([]string, error) { return f(ctx) }

type enrollFunc func(ctx context.Context, hub, code string) error

func (f enrollFunc) Enroll(ctx context.Context, _ intake.Operator, hub, code string) error {
	return f(ctx, hub, code)
}

func TestSettingsStoresPreferences(t *testing.T) {
	a := test.NewTempApp(t)
	post, until := settling(t)
	var full []bool
	var changed []string
	var enrolled [2]string
	s := NewSettingsScreen(Env{Session: session{supervisor}, post: post}, SettingsDeps{
		Prefs:         a.Preferences(),
		Scanners:      portsFunc(func(context.Context) ([]string, error) { return []string{"/dev/ttyACM0"}, nil }),
		Cameras:       portsFunc(func(context.Context) ([]string, error) { return []string{"/dev/video0"}, nil }),
		SetFullScreen: func(on bool) { full = append(full, on) },
		Enroller: enrollFunc(func(_ context.Context, hub, code string) error {
			if code == "spent" {
				return errors.New("code already used")
			}
			enrolled = [2]string{hub, code}
			return nil
		}),
	})
	s.OnChanged = func(key string) { changed = append(changed, key) }
	test.NewTempWindow(t, s.Content())
	until("the ports", func() bool { return len(s.scanner.Options) == 2 && len(s.camera.Options) == 1 })
	assert.Equal(t, ScannerAuto, s.scanner.Selected)

	s.scanner.SetSelected("/dev/ttyACM0")
	s.camera.SetSelected("/dev/video0")
	test.Tap(s.kiosk)
	assert.Equal(t, "/dev/ttyACM0", a.Preferences().String(PrefScanner))
	assert.Equal(t, "/dev/video0", a.Preferences().String(PrefCamera))
	assert.True(t, a.Preferences().Bool(PrefKiosk))
	assert.Equal(t, []bool{true}, full)

	test.Type(s.hubURL, "hub.example.com")
	test.Type(s.code, "X7K2")
	test.Tap(s.enroll)
	assert.Contains(t, s.Message(), "is not a hub address")

	s.hubURL.SetText("https://hub.example.com")
	s.code.SetText("spent")
	test.Tap(s.enroll)
	until("the refusal", func() bool { return s.code.Text == "" })
	assert.Contains(t, s.Message(), "code already used")
	assert.Empty(t, a.Preferences().String(PrefHubURL))

	s.code.SetText("X7K2")
	test.Tap(s.enroll)
	until("the enrollment", func() bool { return s.code.Text == "" })
	assert.Equal(t, [2]string{"https://hub.example.com", "X7K2"}, enrolled)
	assert.Contains(t, s.Message(), "enrolled with https://hub.example.com")
	assert.Equal(t, "https://hub.example.com", a.Preferences().String(PrefHubURL))
	require.Equal(t, []string{PrefScanner, PrefCamera, PrefKiosk, PrefHubURL}, changed)
}

// TestSettingsHubAndKioskAreTheSupervisors: a technician or a clerk sees
// neither the hub form nor the kiosk toggle, and reaching them anyway
// changes nothing; a supervisor gets both.
func TestSettingsHubAndKioskAreTheSupervisors(t *testing.T) {
	tests := []struct {
		op      intake.Operator
		allows  bool
		refusal string
	}{
		{tech, false, "Not allowed: Tess (technician) may not "},
		{clerk, false, "Not allowed: Carl (clerk) may not "},
		{intake.Operator{}, false, "Not allowed: nobody is logged in to "}, // a locked bench
		{supervisor, true, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.op.Role)+"/"+tt.op.Name, func(t *testing.T) {
			a := test.NewTempApp(t)
			post, _ := settling(t)
			var full []bool
			enrolled := 0
			s := NewSettingsScreen(Env{Session: session{tt.op}, post: post}, SettingsDeps{
				Prefs:         a.Preferences(),
				SetFullScreen: func(on bool) { full = append(full, on) },
				Enroller: enrollFunc(func(context.Context, string, string) error {
					enrolled++
					return nil
				}),
			})
			test.NewTempWindow(t, s.Content())
			assert.Equal(t, tt.allows, s.hubForm.Visible(), "the hub form")
			assert.Equal(t, tt.allows, s.display.Visible(), "the kiosk toggle")
			assert.Equal(t, !tt.allows, s.hubNote.Visible())
			if tt.allows {
				assert.Equal(t, []string{"Enroll this bench"}, labels(s.actions()))
				return
			}
			assert.Empty(t, s.actions(), "no Enroll button to report")
			assert.Equal(t, "Only a supervisor enrolls this bench with a hub or changes kiosk mode: ask one to log in here.", s.hubNote.Text)

			// Reached anyway (a shortcut, a stale screen): refused.
			s.hubURL.SetText("https://hub.example.com")
			s.code.SetText("X7K2")
			s.Enroll()
			assert.Equal(t, tt.refusal+"enroll-bench. Nothing was changed. Ask someone with the right role to log in at this bench.", s.Message())
			s.kiosk.SetChecked(true)
			assert.False(t, s.kiosk.Checked, "the box goes back")
			assert.False(t, a.Preferences().Bool(PrefKiosk))
			assert.Empty(t, full, "the window stays as it is")
			assert.Equal(t, tt.refusal+"set-kiosk-mode. Nothing was changed. Ask someone with the right role to log in at this bench.", s.Message())
			assert.Zero(t, enrolled, "the enroller was never called")
		})
	}
}

func labels(as []action) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.button.Text)
	}
	return out
}
