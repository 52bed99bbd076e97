//go:build race

package webhook

// raceDetector: the race detector instruments SQLite (pure Go here) too,
// which makes every write transaction several times slower.
const raceDetector = true
