// Package device is the common ground of the bench's barcode readers. Every
// reader reports on one stream of Events (a Scan, a Rejected read, or a
// Status change such as a scanner unplugged), so the app does not care how
// a code reached the bench:
//
//   - serialscan: USB-serial scanners, by port or by USB VID/PID, with line
//     framing, validation, double-read suppression and hot-plug.
//   - keyburst: tells a keyboard-wedge scanner's burst of keys from a
//     person typing; wedge connects it to a Fyne window and its entries.
//   - barcode: decodes every Code 128, EAN-13/UPC-A, QR and Data Matrix code
//     in an image; camera feeds it webcam, video or image-file frames.
//
// Sources are run with RunAll on one channel; each stops when its context
// ends.
package device
