// Check-in code page: when the code shown expires, fetch the next one and put it in the live
// region (a screen reader announces it). A failed fetch is tried again a few seconds later.
(function () {
  "use strict";
  var box = document.getElementById("checkin-code");
  if (!box || !box.dataset.url) { return; }
  var RETRY_MS = 5000;

  function schedule(seconds) { setTimeout(refresh, Math.max(1, seconds) * 1000 + 300); }

  function refresh() {
    fetch(box.dataset.url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (next) {
        if (box.textContent !== next.code) { box.textContent = next.code; }
        schedule(next.seconds_left);
      })
      .catch(function () { setTimeout(refresh, RETRY_MS); });
  }

  schedule(parseInt(box.dataset.secondsLeft, 10) || 1);
})();
