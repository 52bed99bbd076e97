// The buyer page's enhancements; the form works without them. Reads the
// IMEI with the camera (the browser's BarcodeDetector, else the bench's
// decoder in WebAssembly in a worker, else frames sent to the hub's
// decoder), checks it as it is typed, and narrows storage and network to
// what the picked model comes in.
(function () {
  "use strict";
  var form = document.getElementById("tradein");
  if (!form) return;
  var imei = document.getElementById("imei");
  var msg = document.getElementById("imei-msg");
  var video = document.getElementById("video");
  var camera = document.getElementById("camera");
  var photo = document.getElementById("photo");
  var canDecode = !!photo;
  var workerURL = camera && camera.getAttribute("data-worker");

  function say(text, good) {
    msg.textContent = text;
    msg.className = "msg " + (good ? "good" : "error");
    imei.setAttribute("aria-invalid", good ? "false" : "true");
  }

  function luhn(d) {
    var sum = 0;
    for (var i = 0; i < d.length; i++) {
      var n = +d[d.length - 1 - i];
      if (i % 2) { n *= 2; if (n > 9) n -= 9; }
      sum += n;
    }
    return sum % 10 === 0;
  }

  // imeiIn finds an IMEI in a barcode's text: 15 digits with a good check
  // digit, anywhere in it ("IMEI 35…" labels too).
  function imeiIn(text) {
    var runs = String(text).match(/\d{15,16}/g) || [];
    for (var i = 0; i < runs.length; i++) {
      var d = runs[i].slice(0, 15);
      if (runs[i].length === 15 && luhn(d)) return d;
    }
    return "";
  }

  function post(url, body) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin" }).then(function (r) { return r.json(); });
  }

  var pending = 0;
  function check() {
    var d = imei.value.replace(/[\s\-\/.]/g, "");
    if (d.length < 15) { msg.textContent = ""; msg.className = "msg"; return; }
    var mine = ++pending;
    var body = new URLSearchParams();
    body.set("imei", imei.value);
    post("/trade-in/imei-check", body).then(function (a) {
      if (mine === pending) say(a.message, a.ok);
    }).catch(function () {});
  }
  var timer;
  imei.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 350); });

  function found(value, a) {
    imei.value = value;
    if (a) say(a.message, a.ok); else check();
    stop();
    imei.focus();
  }

  // The camera.
  var stream = null, loop = null;
  function stop() {
    if (loop) clearInterval(loop);
    loop = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true;
    if (camera) camera.textContent = "Scan with camera";
  }

  function sendFrame() {
    var c = document.createElement("canvas");
    c.width = video.videoWidth; c.height = video.videoHeight;
    if (!c.width) return;
    c.getContext("2d").drawImage(video, 0, 0);
    c.toBlob(function (b) {
      if (!b || !stream) return;
      var fd = new FormData();
      fd.append("photo", b, "frame.jpg");
      post("/trade-in/imei-photo", fd).then(function (a) { if (a.imei && stream) found(a.imei, a); }).catch(function () {});
    }, "image/jpeg", 0.85);
  }

  // No decoder in this browser: the hub reads a frame every 2 s.
  function hubReads() {
    loop = setInterval(sendFrame, 2000);
  }

  // The bench's decoder in a worker reads frames as fast as it can; an
  // IMEI counts once two frames in a row read it, as at a bench.
  var worker = null;
  function readInWorker() {
    var busy = false, last = "";
    var c = document.createElement("canvas");
    var g = c.getContext("2d", { willReadFrequently: true });
    if (!worker) worker = new Worker(workerURL);
    // A decoder that cannot run here hands over to the hub's, if any.
    function fail() {
      worker = null;
      if (loop) clearInterval(loop);
      loop = null;
      if (!stream) return;
      if (canDecode) hubReads();
      else say("This browser cannot read barcodes. Type the IMEI: dial *#06# on the phone to show it.", false);
    }
    worker.onerror = fail;
    worker.onmessage = function (e) {
      busy = false;
      if (!stream) return;
      if (e.data.error) return fail();
      var seen = "";
      for (var i = 0; i < e.data.texts.length && !seen; i++) seen = imeiIn(e.data.texts[i]) || "";
      if (seen && seen === last) found(seen);
      last = seen;
    };
    loop = setInterval(function () {
      if (busy || video.readyState < 2 || !video.videoWidth) return;
      // At most 960 px wide: enough for an IMEI barcode, and quick.
      var scale = Math.min(1, 960 / video.videoWidth);
      c.width = Math.round(video.videoWidth * scale);
      c.height = Math.round(video.videoHeight * scale);
      g.drawImage(video, 0, 0, c.width, c.height);
      var px = g.getImageData(0, 0, c.width, c.height).data;
      busy = true;
      worker.postMessage({ pixels: px, width: c.width, height: c.height }, [px.buffer]);
    }, 100);
  }

  function start() {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 1280 } }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      video.play();
      camera.textContent = "Stop camera";
      say("Point the camera at the IMEI barcode (on the box, the SIM tray label, or the *#06# screen).", true);
      if ("BarcodeDetector" in window) {
        var det = new window.BarcodeDetector({ formats: ["code_128", "code_39", "ean_13", "qr_code", "data_matrix"] });
        loop = setInterval(function () {
          if (video.readyState < 2) return;
          det.detect(video).then(function (codes) {
            for (var i = 0; i < codes.length; i++) {
              var v = imeiIn(codes[i].rawValue);
              if (v) { found(v); return; }
            }
          }).catch(function () {});
        }, 200);
      } else if (workerURL) {
        readInWorker();
      } else if (canDecode) {
        hubReads();
      }
    }).catch(function () {
      say("The camera could not be opened. Type the IMEI: dial *#06# on the phone to show it.", false);
    });
  }

  var scan = document.getElementById("scan");
  var hasCamera = navigator.mediaDevices && navigator.mediaDevices.getUserMedia && ("BarcodeDetector" in window || !!workerURL || canDecode);
  if (camera && !hasCamera) camera.hidden = true;
  if (hasCamera || canDecode) scan.hidden = false;
  if (camera) camera.addEventListener("click", function () { if (stream) stop(); else start(); });

  if (photo) photo.addEventListener("change", function () {
    if (!photo.files.length) return;
    say("Reading the photo…", true);
    var fd = new FormData();
    fd.append("photo", photo.files[0]);
    post("/trade-in/imei-photo", fd).then(function (a) {
      if (a.imei) found(a.imei, a); else say(a.message, false);
    }).catch(function () { say("The photo could not be sent. Type the IMEI instead.", false); });
    photo.value = "";
  });

  // Storage and network the picked model comes in.
  var model = document.getElementById("model");
  var options = null;
  function narrow() {
    var o = options && options[model.value];
    [["storage", 0], ["carrier", 1]].forEach(function (p) {
      var sel = document.getElementById(p[0]);
      for (var i = 1; i < sel.options.length; i++) {
        var ok = !o || o[p[1]].indexOf(sel.options[i].value) >= 0;
        sel.options[i].disabled = !ok;
        sel.options[i].hidden = !ok;
        if (!ok && sel.selectedIndex === i) sel.selectedIndex = 0;
      }
      if (o && o[p[1]].length === 1) sel.value = o[p[1]][0];
    });
  }
  model.addEventListener("change", function () {
    if (options) return narrow();
    fetch("/trade-in/catalog.json").then(function (r) { return r.json(); }).then(function (j) { options = j; narrow(); }).catch(function () {});
  });
})();
