package sellers_test

import (
	"testing"

	"github.com/intakebench/intakebench/internal/hubtest"
)

func TestMain(m *testing.M) { hubtest.Main(m) }
