package ui

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type portsFunc func(context.Context) ([]string, error)

func (f portsFunc) Ports(ctx context.Context) ([]string, error) { return f(ctx) }

type enrollFunc func(ctx context.Context, hub, code string) error

func (f enrollFunc) Enroll(ctx context.Context, hub, code string) error { return f(ctx, hub, code) }

func TestSettingsStoresPreferences(t *testing.T) {
	a := test.NewTempApp(t)
	post, until := settling(t)
	var full []bool
	var changed []string
	var enrolled [2]string
	s := NewSettingsScreen(Env{post: post}, SettingsDeps{
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
