package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func TestUnitFactsFollowTheUnit(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}}, "c1"))
	_, err := s.UnitFacts(ctx, "1")
	require.ErrorIs(t, err, intake.ErrNotFound, "not received yet")

	receive(t, s, "1", "k1")
	f, err := s.UnitFacts(ctx, "1")
	require.NoError(t, err)
	assert.Equal(t, "TI-1", f.TradeIn.Reference)
	assert.Equal(t, "k1", f.Receipt.EventKey)
	assert.Equal(t, intake.UnitReceived, f.State)
	assert.Nil(t, f.Grading)

	at := time.Date(2026, 11, 24, 9, 5, 0, 0, time.UTC)
	g := intake.Grading{TradeInID: "1", Operator: "op", Bench: "b1", At: at, EventKey: "g1",
		Grade:    intake.Grade{Cosmetic: intake.CosmeticD, Functional: 1, Condition: intake.ConditionPoor},
		Decision: intake.Decision{Reroute: true, Reason: "cracked screen"}}
	require.NoError(t, s.RecordGrading(ctx, g, []intake.Event{{Key: "g1", Kind: intake.EventGraded, TradeInID: "1", Operator: "op", Bench: "b1", At: at, Payload: g}}))
	f, err = s.UnitFacts(ctx, "1")
	require.NoError(t, err)
	assert.Equal(t, intake.UnitRerouted, f.State)
	require.NotNil(t, f.Grading)
	assert.Equal(t, intake.CosmeticD, f.Grading.Grade.Cosmetic)
	assert.True(t, f.Grading.Decision.Reroute)
	assert.Equal(t, at, f.Grading.At)
}

func TestUnitLabelsAreFoundByTheirID(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}}, "c1"))
	receive(t, s, "1", "k1")
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	l := UnitLabel{UnitID: "U-5936715130527394", EventKey: "k1", TradeInID: "1", Doc: []byte(`{"destination":"GRADING"}`), At: at}
	require.NoError(t, s.SaveUnitLabel(ctx, l))
	l.Doc, l.At = []byte(`{"destination":"STOCK"}`), at.Add(time.Hour)
	require.NoError(t, s.SaveUnitLabel(ctx, l), "a reprint")
	got, err := s.UnitLabelByID(ctx, "U-5936715130527394")
	require.NoError(t, err)
	assert.Equal(t, l, got)
	got, err = s.UnitLabelOf(ctx, "1")
	require.NoError(t, err)
	assert.Equal(t, "U-5936715130527394", got.UnitID)

	q := UnitLabel{UnitID: "U-0068609408775028", EventKey: "q1", Doc: []byte(`{"destination":"QUARANTINE"}`), At: at}
	require.NoError(t, s.SaveUnitLabel(ctx, q), "a quarantined device has no trade-in")
	got, err = s.UnitLabelByID(ctx, "U-0068609408775028")
	require.NoError(t, err)
	assert.Empty(t, got.TradeInID)

	_, err = s.UnitLabelByID(ctx, "U-0000000000000000")
	assert.ErrorIs(t, err, intake.ErrNotFound)
	assert.Error(t, s.SaveUnitLabel(ctx, UnitLabel{UnitID: "U-1", EventKey: "x", TradeInID: "nope", Doc: []byte(`{}`), At: at}),
		"a label names a unit this bench received")
	assert.Error(t, s.SaveUnitLabel(ctx, UnitLabel{UnitID: "U-1", EventKey: "x", Doc: []byte(`not json`), At: at}))
}

func TestPrintJobsAreKeptUntilPrinted(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bench.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	id1, err := s.AddPrintJob(ctx, "label", "U-5936715130527394", []byte("^XA^XZ"), at)
	require.NoError(t, err)
	id2, err := s.AddPrintJob(ctx, "receipt", "WI-E9E1D676", []byte("%PDF"), at)
	require.NoError(t, err)
	_, err = s.AddPrintJob(ctx, "poster", "x", []byte("x"), at)
	assert.Error(t, err)
	require.NoError(t, s.PrintJobFailed(ctx, id1, "connection refused", at.Add(5*time.Second)))
	require.NoError(t, s.PrintJobDone(ctx, id2, at.Add(time.Second)))
	require.NoError(t, s.Close())

	s, err = Open(ctx, path) // what was asked for outlives the app
	require.NoError(t, err)
	defer s.Close()
	waiting, err := s.WaitingPrintJobs(ctx)
	require.NoError(t, err)
	assert.Equal(t, []PrintJob{{ID: id1, Kind: "label", Subject: "U-5936715130527394", Data: []byte("^XA^XZ"), CreatedAt: at,
		Attempts: 1, NextAt: at.Add(5 * time.Second), LastError: "connection refused"}}, waiting)
	done, err := s.PrintJobByID(ctx, id2)
	require.NoError(t, err)
	assert.Equal(t, at.Add(time.Second), done.PrintedAt)
	assert.Equal(t, 1, done.Attempts)
}

func TestSettings(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	v, err := s.Setting(ctx, "print.label.printer")
	require.NoError(t, err)
	assert.Empty(t, v)
	require.NoError(t, s.SetSetting(ctx, "print.label.printer", "tcp://10.0.0.7:9100"))
	require.NoError(t, s.SetSetting(ctx, "print.label.printer", "usb:/dev/usb/lp0"))
	v, err = s.Setting(ctx, "print.label.printer")
	require.NoError(t, err)
	assert.Equal(t, "usb:/dev/usb/lp0", v)
	require.NoError(t, s.SetSetting(ctx, "print.label.printer", ""))
	v, err = s.Setting(ctx, "print.label.printer")
	require.NoError(t, err)
	assert.Empty(t, v)
}
