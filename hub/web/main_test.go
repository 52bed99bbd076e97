package web_test

import (
	"testing"

	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestMain stops the PostgreSQL server the tests started, when they run
// on PostgreSQL (hubtest.DBEnv).
func TestMain(m *testing.M) { hubtest.Main(m) }
