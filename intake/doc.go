// Package intake is the domain of the receiving bench: device identifiers,
// the trade-in status machine, the grading rubric, pricing in integer cents
// and the damaged-on-arrival decision, plus the application service the UI
// calls. It performs no I/O: storage reaches it through small interfaces.
package intake
