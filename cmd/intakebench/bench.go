package main

import (
	"os"

	"github.com/google/uuid"
)

// benchName names this bench in receipts and the audit log until it is
// enrolled with a hub.
func benchName() string {
	if name := os.Getenv("INTAKEBENCH_NAME"); name != "" {
		return name
	}
	host, err := os.Hostname()
	if err != nil {
		return "bench"
	}
	return host
}

// newKey makes an idempotency key for an event.
func newKey() string { return uuid.NewString() }
