package appdirs

import (
	"errors"
	"testing"
)

func envOf(goos, home string, vars map[string]string) Env {
	return Env{GOOS: goos, Home: home, Getenv: func(k string) string { return vars[k] }}
}

func TestFor(t *testing.T) {
	tests := []struct {
		name string
		env  Env
		want Dirs
	}{
		{"linux, no XDG variables", envOf("linux", "/home/tess", nil), Dirs{
			Data:   "/home/tess/.local/share/intakebench",
			State:  "/home/tess/.local/state/intakebench",
			Config: "/home/tess/.config/intakebench",
		}},
		{"linux, XDG variables", envOf("linux", "/home/tess", map[string]string{
			"XDG_DATA_HOME": "/srv/bench/data", "XDG_STATE_HOME": "/var/log/bench/", "XDG_CONFIG_HOME": "/etc/bench",
		}), Dirs{
			Data:   "/srv/bench/data/intakebench",
			State:  "/var/log/bench/intakebench",
			Config: "/etc/bench/intakebench",
		}},
		{"linux, a relative XDG variable is ignored", envOf("linux", "/home/tess", map[string]string{
			"XDG_DATA_HOME": "data",
		}), Dirs{
			Data:   "/home/tess/.local/share/intakebench",
			State:  "/home/tess/.local/state/intakebench",
			Config: "/home/tess/.config/intakebench",
		}},
		{"linux, variables without a home", envOf("linux", "", map[string]string{
			"XDG_DATA_HOME": "/d", "XDG_STATE_HOME": "/s", "XDG_CONFIG_HOME": "/c",
		}), Dirs{Data: "/d/intakebench", State: "/s/intakebench", Config: "/c/intakebench"}},
		{"windows", envOf("windows", `C:\Users\carl`, map[string]string{
			"LOCALAPPDATA": `C:\Users\carl\AppData\Local`, "APPDATA": `C:\Users\carl\AppData\Roaming`,
		}), Dirs{
			Data:   `C:\Users\carl\AppData\Local\intakebench`,
			State:  `C:\Users\carl\AppData\Local\intakebench\logs`,
			Config: `C:\Users\carl\AppData\Roaming\intakebench`,
		}},
		{"windows without the variables", envOf("windows", `C:\Users\carl`, nil), Dirs{
			Data:   `C:\Users\carl\AppData\Local\intakebench`,
			State:  `C:\Users\carl\AppData\Local\intakebench\logs`,
			Config: `C:\Users\carl\AppData\Roaming\intakebench`,
		}},
		{"macOS", envOf("darwin", "/Users/sam", nil), Dirs{
			Data:   "/Users/sam/Library/Application Support/intakebench",
			State:  "/Users/sam/Library/Logs/intakebench",
			Config: "/Users/sam/Library/Application Support/intakebench",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := For("intakebench", tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("For = %+v\nwant  %+v", got, tt.want)
			}
		})
	}
}

func TestForWithoutHome(t *testing.T) {
	for _, env := range []Env{envOf("linux", "", nil), envOf("windows", "", nil), envOf("darwin", "", nil)} {
		if _, err := For("intakebench", env); !errors.Is(err, ErrNoHome) {
			t.Errorf("%s: err = %v, want ErrNoHome", env.GOOS, err)
		}
	}
}

func TestPath(t *testing.T) {
	tests := []struct {
		env  Env
		dir  string
		want string
	}{
		{envOf("linux", "", nil), "/home/tess/.local/share/intakebench", "/home/tess/.local/share/intakebench/bench.db"},
		{envOf("windows", "", nil), `C:\Users\carl\AppData\Local\intakebench`, `C:\Users\carl\AppData\Local\intakebench\bench.db`},
	}
	for _, tt := range tests {
		if got := tt.env.Path(tt.dir, "bench.db"); got != tt.want {
			t.Errorf("%s: Path = %q, want %q", tt.env.GOOS, got, tt.want)
		}
	}
}
