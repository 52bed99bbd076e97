package intake

import "fmt"

// Role is what an operator may do at a bench.
type Role string

const (
	RoleTechnician Role = "technician"
	RoleClerk      Role = "clerk"
	RoleSupervisor Role = "supervisor"
)

// Action is a state change that needs a role.
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
)

var permissions = map[Role][]Action{
	RoleTechnician: {ActionReceive, ActionQuarantine, ActionGrade, ActionReroute},
	RoleClerk:      {ActionReceive, ActionQuarantine, ActionGrade, ActionReroute, ActionWalkIn},
	RoleSupervisor: {ActionReceive, ActionQuarantine, ActionGrade, ActionReroute, ActionWalkIn, ActionDecide, ActionOverride},
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

// PermissionError is an operator trying what their role does not allow.
type PermissionError struct {
	Operator Operator
	Action   Action
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("%s (%s) may not %s", e.Operator.Name, e.Operator.Role, e.Action)
}

// Authorize returns a *PermissionError unless op's role allows a.
func Authorize(op Operator, a Action) error {
	for _, allowed := range permissions[op.Role] {
		if allowed == a {
			return nil
		}
	}
	return &PermissionError{Operator: op, Action: a}
}
