// The bench's barcode decoder (cmd/barcodewasm), compiled to WebAssembly,
// off the page's thread: the page posts a camera frame's pixels and gets
// back the texts of the codes read in it. Loaded only when the buyer opens
// the camera on a browser without a BarcodeDetector.
"use strict";
importScripts("wasm_exec.js");
var go = new Go();
var ready = WebAssembly.instantiateStreaming(fetch("decoder.wasm"), go.importObject).then(function (r) {
  go.run(r.instance); // registers intakeDecode, then waits for calls
});
onmessage = function (e) {
  ready.then(function () {
    return self.intakeDecode(e.data.pixels, e.data.width, e.data.height);
  }).then(function (texts) {
    postMessage({ texts: texts });
  }, function (err) {
    postMessage({ error: String(err) });
  });
};
