// Package ui holds the bench's Fyne screens: layout and display only. Rules
// live in intake, data in store, network in sync. Every screen takes what it
// needs through small interfaces declared beside it, runs slow calls off the
// UI goroutine and applies their results through fyne.Do.
//
// The whole app is one Shell (NewShell): a login screen, then tabs by role
// (Receive → Grade, Walk-in, Review queue, Shift stats, Settings) above a
// status bar that is always visible.
package ui
