// Live room client: joins over Socket.IO, draws the room from the join snapshot, follows events.
// Every piece of user text goes in with textContent, never as HTML. After a reconnect the
// client joins again and redraws from a fresh snapshot: the server keeps the room, not the page.
(function () {
  "use strict";
  var root = document.getElementById("room");
  if (!root || typeof io === "undefined") { return; }
  var sessionId = parseInt(root.dataset.sessionId, 10);
  var instructor = root.dataset.instructor === "yes";
  var socket = io("/live", { transports: ["websocket", "polling"] });
  var me = null;
  var handRaised = false;
  var chatMuted = false;
  var followLive = true;
  var liveSlide = "";
  var $ = function (id) { return document.getElementById(id); };

  function clientId() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }
  function send(event, data, done) {
    data = data || {};
    data.session_id = sessionId;
    socket.emit(event, data, function (ack) { if (ack && ack.ok && done) { done(ack); } });
  }
  function status(text) { $("room-status").textContent = text; }
  function showError(message) {
    var box = $("room-error");
    box.textContent = message;
    box.hidden = false;
    setTimeout(function () { box.hidden = true; }, 6000);
  }
  function item(tag, text, attrs) {
    var node = document.createElement(tag);
    node.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function drawPeople(list, target) {
    var box = $(target);
    box.textContent = "";
    list.forEach(function (p) { box.appendChild(item("li", p.name + (p.instructor ? " ★" : ""), { "data-user": p.id })); });
  }
  function addChat(m) {
    if (document.querySelector('#chat [data-id="' + m.id + '"]')) { return; }
    var li = item("li", "", { "data-id": m.id });
    li.appendChild(item("strong", m.user.name + ": "));
    li.appendChild(document.createTextNode(m.body));
    if (instructor) {
      var del = item("button", "×", { type: "button", "class": "link", "aria-label": "delete" });
      del.addEventListener("click", function () { send("delete_message", { message_id: m.id }); });
      li.appendChild(del);
    }
    $("chat").appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }
  function drawQuestion(q) {
    var li = document.querySelector('#questions [data-id="' + q.id + '"]') || item("li", "", { "data-id": q.id });
    li.textContent = "";
    li.appendChild(document.createTextNode(q.body + " — " + q.user.name + " (" + q.votes + ")"));
    if (q.answered) { li.classList.add("answered"); }
    var up = item("button", "▲", { type: "button", "class": "link", "aria-label": "upvote" });
    up.addEventListener("click", function () { send("upvote", { question_id: q.id }); });
    li.appendChild(up);
    if (instructor && !q.answered) {
      var done = item("button", "✓", { type: "button", "class": "link", "aria-label": "answered" });
      done.addEventListener("click", function () { send("answered", { question_id: q.id }); });
      li.appendChild(done);
    }
    if (!li.parentNode) { $("questions").appendChild(li); }
  }
  function drawPoll(p) {
    var box = document.querySelector('#polls [data-id="' + p.id + '"]');
    if (!box) { box = item("div", "", { "data-id": p.id, "class": "poll", "data-test": "poll" }); $("polls").appendChild(box); }
    box.textContent = "";
    box.appendChild(item("p", p.question, { "class": "poll-question" }));
    p.options.forEach(function (text, index) {
      var label = text + (p.counts ? " — " + p.counts[index] : "");
      var button = item("button", label, { type: "button", "class": "button" + (p.my_vote === index ? " primary" : "") });
      button.disabled = !p.open || instructor;
      button.addEventListener("click", function () {
        send("poll_vote", { poll_id: p.id, option: index }, function (ack) { drawPoll(ack.poll); });
      });
      box.appendChild(button);
    });
    if (instructor && p.open) {
      var close = item("button", "■", { type: "button", "class": "link", "aria-label": "close poll" });
      close.addEventListener("click", function () { send("poll_close", { poll_id: p.id }); });
      box.appendChild(close);
    }
  }
  function showSlide(section) {
    liveSlide = section;
    if (!followLive || !section) { return; }
    var heading = document.getElementById(section);
    document.querySelectorAll(".slide-body .current").forEach(function (n) { n.classList.remove("current"); });
    if (heading) { heading.classList.add("current"); heading.scrollIntoView({ block: "start", behavior: "smooth" }); }
  }

  function draw(snapshot) {
    me = snapshot.you;
    $("chat").textContent = "";
    $("questions").textContent = "";
    $("polls").textContent = "";
    drawPeople(snapshot.participants, "participants");
    drawPeople(snapshot.hands, "hands");
    handRaised = snapshot.hands.some(function (h) { return h.id === me.id; });
    chatMuted = snapshot.session.chat_muted;
    snapshot.chat.forEach(addChat);
    snapshot.questions.forEach(drawQuestion);
    snapshot.polls.forEach(drawPoll);
    var state = snapshot.session.state;
    var stateText = root.getAttribute("data-state-" + state) || state;
    status(snapshot.session.title + " · " + stateText + (snapshot.session.chat_muted ? " · " + root.dataset.textMuted : ""));
    root.dataset.state = snapshot.session.state;
    showSlide(snapshot.session.slide);
  }

  function rejoin() { send("join", {}, function (ack) { draw(ack.snapshot); }); }
  socket.on("connect", rejoin);  // first connection and every reconnection
  socket.on("disconnect", function () { status(root.dataset.textOffline); });
  socket.on("presence", function () { rejoin(); });
  socket.on("chat", addChat);
  socket.on("message_deleted", function (m) {
    var node = document.querySelector('#chat [data-id="' + m.id + '"]');
    if (node) { node.remove(); }
  });
  socket.on("question", drawQuestion);
  socket.on("hand", rejoin);
  socket.on("hands_cleared", rejoin);
  socket.on("chat_muted", rejoin);
  socket.on("session_state", rejoin);
  socket.on("poll", drawPoll);
  socket.on("poll_counts", drawPoll);
  socket.on("slide", function (s) { showSlide(s.section); });
  socket.on("room_error", function (e) { showError(e.message); });
  socket.on("logged_out", function () { socket.disconnect(); status(root.dataset.textLoggedOut); });
  // A heartbeat that finds no open presence stretch (closed after a long stall, or a server
  // restart) joins again, so attendance resumes without a reload.
  var heartbeatMs = (parseInt(root.dataset.heartbeat, 10) || 30) * 1000;
  setInterval(function () {
    if (socket.connected) { send("heartbeat", {}, function (ack) { if (ack.open === 0) { rejoin(); } }); }
  }, heartbeatMs);

  $("chat-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("chat-input");
    if (!input.value.trim()) { return; }
    send("chat", { client_id: clientId(), body: input.value }, function () { input.value = ""; });
  });
  $("ask-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("ask-input");
    if (!input.value.trim()) { return; }
    send("ask", { client_id: clientId(), body: input.value }, function () { input.value = ""; });
  });
  root.addEventListener("click", function (event) {
    var target = event.target.closest("[data-action], [data-slide]");
    if (!target) { return; }
    if (target.dataset.slide !== undefined) { send("slide", { section: target.dataset.slide }); return; }
    switch (target.dataset.action) {
      case "hand": handRaised = !handRaised; send("hand", { raised: handRaised }); break;
      case "start": send("session_state", { state: "live" }); break;
      case "end": send("session_state", { state: "ended" }); break;
      case "mute": send("mute_chat", { muted: !chatMuted }); break;
      case "clear-hands": send("clear_hands"); break;
      case "follow": followLive = true; showSlide(liveSlide); break;
    }
  });
  var slides = document.querySelector(".slide-body");
  if (slides) { slides.addEventListener("wheel", function () { followLive = false; }, { passive: true }); }
  var pollForm = $("poll-form");
  if (pollForm) {
    pollForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var options = $("poll-options").value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
      send("poll_open", { client_id: clientId(), question: $("poll-question").value, options: options }, function () {
        $("poll-question").value = ""; $("poll-options").value = "";
      });
    });
  }
})();
