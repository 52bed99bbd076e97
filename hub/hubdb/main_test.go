package hubdb_test

import (
	"testing"

	"github.com/intakebench/intakebench/internal/pgtest"
)

// TestMain stops the PostgreSQL server the conformance suite started.
func TestMain(m *testing.M) { pgtest.Main(m) }
