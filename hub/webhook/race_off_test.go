//go:build !race

package webhook

// raceDetector: see race_on_test.go.
const raceDetector = false
