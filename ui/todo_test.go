package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A device received and left ungraded (the grading was abandoned, the bench
// locked) stays on the Receive tab's to-do list; its row opens it as a scan
// would, Enter grades it, and graded it leaves the list.
func TestTheToDoListOpensWhatIsLeft(t *testing.T) {
	f := newFixture(t)
	_, err := f.bench.Receive(context.Background(), tech, imeiShipped)
	require.NoError(t, err)
	test.NewTempApp(t)
	post, until := settling(t)
	w := test.NewTempWindow(t, nil)
	env := Env{Session: session{tech}, Clock: f.clock, Window: w, Bench: "bench-7", post: post}
	fl := newBenchFlow(env,
		NewReceiveScreen(env, ReceiveDeps{Lookup: f.bench, Receiver: f.bench, ToDo: f.store}),
		NewGradeScreen(env, GradeDeps{Grader: f.bench, Photos: f.bench}),
		func(string) {})
	w.SetContent(fl.content)
	r := fl.receive
	until("the list", func() bool { return len(r.ToDo()) > 0 })
	received := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC).Local().Format("Mon 15:04")
	assert.Equal(t, []string{"TI-1 · Apple iPhone 13 128GB — Ada Lovelace: not graded yet (received " + received + ")"}, r.ToDo())

	test.Tap(r.toDo.rows.Objects[0].(*widget.Button))
	until("the match", func() bool { return r.Headline() == "Received, not graded yet" })
	r.entry.TypedKey(keyReturn())
	until("the grading", fl.grading)
	test.Tap(findButton(t, fl.grade.Content(), "All flawless (Ctrl+F)"))
	test.Tap(findButton(t, fl.grade.Content(), "All pass (Ctrl+P)"))
	test.Type(fl.grade.battery, "91")
	test.Tap(fl.grade.confirm)
	until("the result", func() bool { return r.Headline() == "Received — graded excellent" })
	until("the list emptied", func() bool { return len(r.ToDo()) == 0 })
	assert.False(t, r.toDo.content.Visible(), "nothing left: no list")
}
