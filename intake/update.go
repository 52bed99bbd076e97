package intake

import "fmt"

// An UpdateNotice tells whoever may update the bench (ActionUpdate) that the hub offers another bench
// release than the one running. The bench never installs it itself: an
// update restarts the app, which is IT's or a supervisor's act between
// shifts, never the program's in the middle of one.
type UpdateNotice struct {
	Running string // the version this bench runs
	Offered string // the version the hub offers
}

// UpdateAvailable compares the version running with the one the hub
// offers ("" when it offers none). A build without a version ("dev", a
// developer's go build) is never told: it is no release to replace.
func UpdateAvailable(running, offered string) (UpdateNotice, bool) {
	if offered == "" || running == "" || running == "dev" || running == offered {
		return UpdateNotice{}, false
	}
	return UpdateNotice{Running: running, Offered: offered}, true
}

// String is the notice as a supervisor reads it.
func (n UpdateNotice) String() string {
	return fmt.Sprintf("An update is available: version %s (this bench runs %s). Install it between shifts.", n.Offered, n.Running)
}
