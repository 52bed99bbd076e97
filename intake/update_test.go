package intake

import "testing"

func TestUpdateAvailable(t *testing.T) {
	for _, tt := range []struct {
		running, offered string
		want             bool
	}{
		{"v1.4.0", "v1.5.0", true},
		{"v1.5.0", "v1.4.0", true}, // IT rolled back: the bench is told too
		{"v1.4.0", "v1.4.0", false},
		{"v1.4.0", "", false},    // the hub offers no release
		{"dev", "v1.5.0", false}, // a developer's build
		{"", "v1.5.0", false},
	} {
		n, ok := UpdateAvailable(tt.running, tt.offered)
		if ok != tt.want {
			t.Errorf("UpdateAvailable(%q, %q) = %v, want %v", tt.running, tt.offered, ok, tt.want)
		}
		if ok && n.String() != "An update is available: version "+tt.offered+" (this bench runs "+tt.running+"). Install it between shifts." {
			t.Errorf("notice %q", n)
		}
	}
}
