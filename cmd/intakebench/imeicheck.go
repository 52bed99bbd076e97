package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/intake"
)

// imeiRegistry checks an IMEI with the hub's registry and, when the hub
// cannot be reached, with the flags this bench has cached, saying so: a
// counter that is offline can still turn away a device it knows is stolen.
type imeiRegistry struct {
	hub interface {
		Check(ctx context.Context, imei string) (intake.IMEICheck, error)
	}
	cache interface {
		FlagFor(ctx context.Context, imei string) (intake.Flag, bool, error)
	}
}

// hubCheckTimeout is how long a clerk waits for the hub before the bench
// answers from its cache.
const hubCheckTimeout = 4 * time.Second

func (r imeiRegistry) Check(ctx context.Context, imei string) (intake.IMEICheck, error) {
	hubCtx, cancel := context.WithTimeout(ctx, hubCheckTimeout)
	c, err := r.hub.Check(hubCtx, imei)
	cancel()
	var answer *benchsync.HubError
	hubAnswered := errors.As(err, &answer) && answer.StatusCode < 500 && answer.StatusCode != 429
	if err == nil || hubAnswered || ctx.Err() != nil {
		return c, err // the hub's own answer, even a refusal, stands
	}
	f, found, cacheErr := r.cache.FlagFor(ctx, imei)
	if cacheErr != nil {
		return intake.IMEICheck{}, fmt.Errorf("the hub could not be reached (%w) and the bench cache failed: %w", err, cacheErr)
	}
	if found {
		return intake.IMEICheck{IMEI: imei, Status: intake.IMEIStatus(f.Kind),
			Reason: f.Reason + " (from this bench's cache: the hub could not be reached)"}, nil
	}
	return intake.IMEICheck{IMEI: imei, Status: intake.IMEIClean,
		Reason: "not flagged in this bench's cache; the hub could not be reached to check newer reports"}, nil
}
