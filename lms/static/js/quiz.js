// Quiz attempt page: save answers as the learner goes, count down, submit when time runs out.
// The server is the judge of time; this only keeps the page honest about it.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) { return; }
  var seqField = form.querySelector("input[name=seq]");
  var state = document.getElementById("save-state");
  var seq = parseInt(form.dataset.seq, 10) || 0;
  var pending = null;
  var submitting = false;

  function say(text) { if (state) { state.textContent = text; } }

  function save() {
    pending = null;
    seq += 1;
    seqField.value = String(seq + 1);  // the final submit must outrank every save
    var body = new FormData(form);
    body.set("seq", String(seq));
    fetch(form.dataset.saveUrl, {
      method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 409) { window.location.reload(); return; }
      say(response.ok ? form.dataset.savedText || "✓" : "!");
    }).catch(function () { say("…"); });
  }

  form.addEventListener("change", function () {
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(save, 600);
  });
  form.addEventListener("submit", function () { submitting = true; });

  var timer = document.getElementById("timer");
  if (!timer) { return; }
  var left = parseInt(timer.dataset.secondsLeft, 10);
  var shown = document.getElementById("timer-value");
  var endsAt = Date.now() + left * 1000;
  function tick() {
    var remaining = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    shown.textContent = Math.floor(remaining / 60) + ":" + ("0" + (remaining % 60)).slice(-2);
    // Submit a moment early: the server refuses what arrives after the deadline.
    if (remaining <= 2 && !submitting) {
      submitting = true;
      form.submit();
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
