// Package archtest holds the test that keeps the module's dependencies
// pointing inward: the domain (intake) at the centre, screens and storage
// around it, the hub apart from the bench's own packages.
package archtest
