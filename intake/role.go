package intake

import "fmt"

// Role is what an operator may do at a bench.
type Role string

const (
	RoleTechnician Role = "technician"
	RoleClerk      Role = "clerk"
	RoleSupervisor Role = "supervisor"
)

// Action is something only some roles may do: a state change, or a change
// to the bench itself.
type Action string

const (
	ActionReceive Action = "receive"
	// ActionQuarantine sets aside a device no trade-in holds: anyone who
	// may receive a device may also refuse to, so that it waits for a
	// supervisor instead of lying on the bench.
	ActionQuarantine Action = "quarantine"
	ActionGrade      Action = "grade"
	ActionReroute    Action = "reroute"
	ActionWalkIn     Action = "walk-in"
	ActionDecide     Action = "supervisor-decision"
	ActionOverride   Action = "override-payout"
	// ActionEnroll moves the bench to a hub: it drops the cache and
	// decides where every later event goes.
	ActionEnroll Action = "enroll-bench"
	// ActionKiosk turns kiosk mode (full screen, nothing else on the
	// screen) on or off.
	ActionKiosk Action = "set-kiosk-mode"
	// ActionQuit closes the bench app: in kiosk mode the only way to the
	// rest of the computer.
	ActionQuit Action = "quit-bench"
	// ActionUpdate is installing another bench release: it restarts the
	// app, so it is done between shifts by the one who plans them.
	ActionUpdate Action = "update-bench"
)

// The README's roles: a technician receives and grades at a warehouse
// bench, a clerk runs walk-ins at the counter and nothing of the
// warehouse's, and the bench itself (its hub, kiosk mode, quitting) is a
// supervisor's, who may also do everyone's work.
var permissions = map[Role][]Action{
	RoleTechnician: {ActionReceive, ActionQuarantine, ActionGrade, ActionReroute},
	RoleClerk:      {ActionWalkIn},
	RoleSupervisor: {ActionReceive, ActionQuarantine, ActionGrade, ActionReroute, ActionWalkIn, ActionDecide, ActionOverride,
		ActionEnroll, ActionKiosk, ActionQuit, ActionUpdate},
}

// Actions lists every action a role may be allowed.
func Actions() []Action {
	return []Action{ActionReceive, ActionQuarantine, ActionGrade, ActionReroute, ActionWalkIn, ActionDecide, ActionOverride,
		ActionEnroll, ActionKiosk, ActionQuit, ActionUpdate}
}

// Operator is a person logged in at a bench.
type Operator struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Session is a supervisor's proof of authority for this login, when
	// the hub granted one; never stored.
	Session *Session `json:"-"`
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := permissions[r]; return ok }

// May reports whether r allows a. No role (a locked bench) allows nothing.
func (r Role) May(a Action) bool {
	for _, allowed := range permissions[r] {
		if allowed == a {
			return true
		}
	}
	return false
}

// PermissionError is an operator trying what their role does not allow.
type PermissionError struct {
	Operator Operator
	Action   Action
}

func (e *PermissionError) Error() string {
	if e.Operator.ID == "" {
		return fmt.Sprintf("nobody is logged in to %s", e.Action)
	}
	return fmt.Sprintf("%s (%s) may not %s", e.Operator.Name, e.Operator.Role, e.Action)
}

// Authorize returns a *PermissionError unless op's role allows a.
func Authorize(op Operator, a Action) error {
	if !op.Role.May(a) {
		return &PermissionError{Operator: op, Action: a}
	}
	return nil
}
