// The host's check-in: scan a volunteer's code with the phone's camera where the browser can
// read QR codes (BarcodeDetector); typing the code or tapping the name works everywhere.
(function () {
  "use strict";
  var form = document.querySelector("form[data-scan]");
  if (!form || !("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  var input = form.querySelector("input[name=code]");
  var button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = "Scan a code";
  form.appendChild(button);
  var status = document.createElement("p");
  status.setAttribute("role", "status");
  form.appendChild(status);
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      var video = document.createElement("video");
      video.setAttribute("playsinline", "");
      video.setAttribute("aria-label", "Camera: point it at the volunteer's code");
      video.className = "scanner";
      video.srcObject = stream;
      form.appendChild(video);
      video.play();
      status.textContent = "Point the camera at the code on the volunteer's page.";
      var stop = function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        video.remove();
      };
      var look = function () {
        detector.detect(video).then(function (codes) {
          var found = codes.map(function (c) { return c.rawValue.trim(); }).filter(function (v) { return /^[A-Za-z0-9]{4,12}$/.test(v); })[0];
          if (found) {
            stop();
            input.value = found;
            status.textContent = "Code " + found + ": checking in.";
            form.submit();
          } else {
            setTimeout(look, 250);
          }
        }, function () { setTimeout(look, 500); });
      };
      look();
    }, function () {
      status.textContent = "The camera is not available: type the code instead.";
    });
  });
})();
