// Module page: tell the server the learner is reading (time spent, current section).
// Pings only while the page is visible; the server credits at most the gap between pings.
(function () {
  "use strict";
  var article = document.getElementById("module");
  if (!article || !article.dataset.pingUrl) { return; }
  var url = article.dataset.pingUrl;
  var csrf = article.dataset.csrf;
  var INTERVAL_MS = 30000;
  var headings = Array.prototype.slice.call(article.querySelectorAll("h2[id], h3[id]"));

  function currentSection() {
    var current = "";
    for (var i = 0; i < headings.length; i++) {
      if (headings[i].getBoundingClientRect().top < 120) { current = headings[i].id; }
    }
    return current;
  }

  // Once the server says the minimum reading time is reached, say so (the wording comes from the page).
  var timeNeeded = document.querySelector("[data-test=time-needed]");
  function showTimeLeft(answer) {
    if (timeNeeded && answer && answer.seconds_left === 0) {
      timeNeeded.textContent = timeNeeded.dataset.doneText;
    }
  }

  function ping() {
    var body = new FormData();
    body.append("csrf_token", csrf);
    body.append("position", currentSection());
    if (navigator.sendBeacon && document.visibilityState === "hidden") {
      navigator.sendBeacon(url, body);
      return;
    }
    fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: true })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(showTimeLeft)
      .catch(function () { /* offline: the next ping catches up */ });
  }

  var timer = null;
  function start() { if (!timer) { timer = setInterval(ping, INTERVAL_MS); } }
  function stop() { if (timer) { clearInterval(timer); timer = null; } }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { ping(); start(); } else { ping(); stop(); }
  });
  ping();
  start();
})();
