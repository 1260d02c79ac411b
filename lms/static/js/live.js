// Live room client: joins over Socket.IO, draws the room from the join snapshot, follows events.
// Every piece of user text goes in with textContent, never as HTML. Events update the drawn room
// from their payloads; after a reconnect the client joins again and redraws from a fresh
// snapshot: the server keeps the room, not the page.
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
  var session = null;  // the snapshot's session: title, state, chat_muted, slide
  var people = {};  // participants by user id: {id, name, instructor}; for a learner, the staff only
  var participantCount = 0;  // everyone connected, as the server last counted
  var hands = [];  // raised hands in the order they went up: [{id, name}]
  var removed = {};  // staff: the learners removed from this session, by user id: {id, name}
  var muted = {};  // staff: the learners muted in this session, by user id: true
  var shutOut = false;  // the server ended this page's place in the room: no more joins
  var $ = function (id) { return document.getElementById(id); };

  function clientId() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }
  function send(event, data, done) {
    data = data || {};
    data.session_id = sessionId;
    socket.emit(event, data, function (ack) { if (ack && ack.ok && done) { done(ack); } });
  }
  // Sends what the person typed; once the server accepts it, empties the box unless they have
  // already started typing the next line (an acknowledgement may arrive while they type).
  function sendTyped(event, input) {
    var body = input.value;
    if (!body.trim()) { return; }
    send(event, { client_id: clientId(), body: body }, function () {
      if (input.value === body) { input.value = ""; }
    });
  }
  function showLink(up) {  // the banner saying live updates are interrupted, while they are
    var box = $("room-link");
    box.textContent = up ? "" : root.dataset.textLinkLost;
    box.hidden = up;
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

  // Icons are inline SVG from the page's templates, always with a text alternative: a button is
  // named by its label, an icon that says something is read as its label.
  function icon(name) {
    return document.importNode(root.querySelector('template[data-icon="' + name + '"]').content.firstElementChild, true);
  }
  function iconButton(name, label, attrs) {
    var button = item("button", "", attrs);
    button.setAttribute("aria-label", label);
    button.setAttribute("title", label);
    button.appendChild(icon(name));
    return button;
  }
  function labelledIcon(name, label) {
    var box = item("span", "", { role: "img", "aria-label": label, title: label, "class": "icon-label" });
    box.appendChild(icon(name));
    return box;
  }

  function drawPeople(list, target, decorate) {
    var box = $(target);
    box.textContent = "";
    list.forEach(function (p) {
      var li = item("li", p.name, { "data-user": p.id });
      if (p.instructor) { li.appendChild(labelledIcon("star", root.dataset.textInstructor)); }
      if (decorate) { decorate(li, p); }
      box.appendChild(li);
    });
  }
  function byName(map) {
    var list = Object.keys(map).map(function (id) { return map[id]; });
    list.sort(function (a, b) { return a.name.localeCompare(b.name, "vi"); });
    return list;
  }
  function removeButton(li, p) {  // staff: a learner in the room can be removed from this session
    if (p.instructor || (me && p.id === me.id) || closed()) { return; }
    var button = item("button", root.dataset.textRemove,
                      { type: "button", "class": "link", "data-test": "remove", "data-writes": "" });
    button.addEventListener("click", function () {
      if (window.confirm(fill(root.dataset.textConfirmRemove, { name: p.name }))) { send("remove", { user_id: p.id }); }
    });
    li.appendChild(button);
  }
  function readmitButton(li, p) {
    if (closed()) { return; }
    var button = item("button", root.dataset.textReadmit,
                      { type: "button", "class": "link", "data-test": "readmit", "data-writes": "" });
    button.addEventListener("click", function () { send("readmit", { user_id: p.id }); });
    li.appendChild(button);
  }
  function drawRemoved() {
    var box = $("removed-box");
    if (!box) { return; }
    drawPeople(byName(removed), "removed", readmitButton);
    box.hidden = !Object.keys(removed).length;
  }
  function muteButton(li, p) {  // staff: mute or unmute one learner's chat lines and questions here
    if (p.instructor || (me && p.id === me.id) || closed()) { return; }
    var isMuted = !!muted[p.id];
    var button = item("button", isMuted ? root.dataset.textUnmutePerson : root.dataset.textMutePerson,
                      { type: "button", "class": "link", "data-test": isMuted ? "unmute-person" : "mute-person",
                        "data-writes": "", "aria-pressed": isMuted ? "true" : "false" });
    button.addEventListener("click", function () { send("mute_person", { user_id: p.id, muted: !isMuted }); });
    li.appendChild(button);
  }
  function staffControls(li, p) { muteButton(li, p); removeButton(li, p); }
  function drawParticipants() {
    drawPeople(byName(people), "participants", instructor ? staffControls : null);
    var count = $("participant-count");
    count.textContent = count.dataset.textCount.replace("{n}", participantCount);
  }
  function drawHands() {
    drawPeople(hands, "hands", function (li) { li.insertBefore(labelledIcon("hand", root.dataset.textHand), li.firstChild); });
    handRaised = hands.some(function (h) { return me && h.id === me.id; });
    if (!instructor) { return; }
    Array.prototype.forEach.call($("hands").children, function (li, i) {  // one "lower" per hand
      var person = hands[i];
      var lower = iconButton("down", fill(root.dataset.textLowerHand, { name: person.name }),
                             { type: "button", "class": "link icon-button", "data-test": "lower-hand" });
      lower.addEventListener("click", function () { send("lower_hand", { user_id: person.id }); });
      li.appendChild(lower);
    });
  }
  function drawStatus() {
    var stateText = root.getAttribute("data-state-" + session.state) || session.state;
    var silenced = session.chat_muted ? root.dataset.textMuted : (me && me.muted ? root.dataset.textMutedYou : "");
    status(session.title + " · " + stateText + (silenced ? " · " + silenced : ""));
    root.dataset.state = session.state;
    drawClosed();
  }
  // After the end or a cancellation the room is read-only: the server refuses every write, so the
  // page takes away what writes and says why; the history stays on the page.
  var closingReason = "";
  function closed() { return !!session && (session.state === "ended" || session.state === "cancelled"); }
  function drawClosed() {
    if (!closed()) { return; }
    root.querySelectorAll("[data-writes]").forEach(function (node) { node.hidden = true; });
    root.querySelectorAll("#questions button, #polls button").forEach(function (b) { b.disabled = true; });
    var note = $("room-closed");
    var text = root.getAttribute("data-closed-" + session.state);
    if (closingReason) { text += " " + fill(root.dataset.textReason, { reason: closingReason }); }
    if (text && (note.hidden || closingReason)) { note.textContent = text; }
    note.hidden = false;
  }
  function chatLine(m) {  // the line's node, or null when it is already drawn
    if (document.querySelector('#chat [data-id="' + m.id + '"]')) { return null; }
    var li = item("li", "", { "data-id": m.id });
    li.appendChild(item("strong", m.user.name + ": "));
    li.appendChild(document.createTextNode(m.body));
    if (instructor) {
      var del = iconButton("delete", root.dataset.textDelete, { type: "button", "class": "link icon-button" });
      del.addEventListener("click", function () { send("delete_message", { message_id: m.id }); });
      li.appendChild(del);
    }
    return li;
  }
  function addChat(m) {
    var li = chatLine(m);
    if (!li) { return; }
    // Follow new lines by scrolling the chat box only (scrolling the page would pull it away from
    // the slides beside it), and only when the reader is at the end, not reading earlier lines.
    var box = $("chat");
    var atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
    box.appendChild(li);
    if (atEnd) { box.scrollTop = box.scrollHeight; }
  }
  function addEarlierChat(page) {  // {chat: [...] oldest first, more}: goes above what is drawn
    var box = $("chat");
    var first = box.firstChild;
    page.chat.forEach(function (m) {
      var li = chatLine(m);
      if (li) { box.insertBefore(li, first); }
    });
    $("chat-earlier").hidden = !page.more;
  }
  function drawQuestion(q) {
    var li = document.querySelector('#questions [data-id="' + q.id + '"]') || item("li", "", { "data-id": q.id });
    li.textContent = "";
    li.appendChild(document.createTextNode(q.body + " — " + q.user.name + " (" + q.votes + ")"));
    if (q.answered) { li.classList.add("answered"); }
    var up = iconButton("up", root.dataset.textUpvote, { type: "button", "class": "link icon-button" });
    up.addEventListener("click", function () { send("upvote", { question_id: q.id }); });
    li.appendChild(up);
    if (instructor && !q.answered) {
      var done = iconButton("check", root.dataset.textAnswered, { type: "button", "class": "link icon-button" });
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
      var close = item("button", " " + root.dataset.textClosePoll, { type: "button", "class": "button", "data-test": "close-poll" });
      close.insertBefore(icon("stop"), close.firstChild);
      close.addEventListener("click", function () { send("poll_close", { poll_id: p.id }); });
      box.appendChild(close);
    }
  }

  // Slides: the module is cut into one slide per heading of its table of contents (what comes
  // before the first heading is an opening slide). Everyone sees one slide at a time. The
  // instructor's slide is the live one; a learner's view follows it, unless they went back or
  // ahead themselves, and then "Jump to live" brings them back and following resumes.
  var slidesBox = document.querySelector(".slides");
  var slides = [];  // [{id, nodes}] in reading order
  var liveIndex = 0;
  var viewIndex = 0;
  var following = true;

  function cutSlides() {
    var body = $("slide-body");
    var ids = {};
    slidesBox.querySelectorAll("[data-slide]").forEach(function (b) { ids[b.dataset.slide] = true; });
    var current = { id: "", nodes: [] };
    slides.push(current);
    Array.prototype.forEach.call(body.children, function (node) {
      if (/^H[1-6]$/.test(node.tagName) && node.id && ids[node.id]) {
        current = { id: node.id, nodes: [] };
        slides.push(current);
      }
      current.nodes.push(node);
    });
    if (!slides[0].nodes.length && slides.length > 1) { slides.shift(); }
  }
  function slideIndex(section) {
    if (!section) { return 0; }
    for (var i = 0; i < slides.length; i++) { if (slides[i].id === section) { return i; } }
    // A heading nested deeper (inside a note, say) belongs to the slide that holds it.
    var body = $("slide-body");
    var node = body.querySelector('[id="' + (window.CSS && CSS.escape ? CSS.escape(section) : section) + '"]');
    while (node && node.parentNode !== body) { node = node.parentNode; }
    for (var j = 0; node && j < slides.length; j++) { if (slides[j].nodes.indexOf(node) >= 0) { return j; } }
    return 0;
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return values[key] !== undefined ? values[key] : all; });
  }
  function drawSlides() {
    if (!slidesBox) { return; }
    slides.forEach(function (slide, i) { slide.nodes.forEach(function (n) { n.hidden = i !== viewIndex; }); });
    slidesBox.querySelector("[data-test=slide-position]").textContent =
      fill(slidesBox.dataset.textPosition, { n: viewIndex + 1, total: slides.length });
    slidesBox.querySelector("[data-action=slide-prev]").disabled = viewIndex === 0;
    slidesBox.querySelector("[data-action=slide-next]").disabled = viewIndex === slides.length - 1;
    slidesBox.dataset.viewing = slides[viewIndex] ? slides[viewIndex].id : "";
    var offLive = slidesBox.querySelector("[data-test=off-live]");
    if (offLive) {
      offLive.hidden = viewIndex === liveIndex;
      offLive.querySelector("[data-test=live-position]").textContent =
        fill(slidesBox.dataset.textLive, { n: liveIndex + 1 });
    }
  }
  // The instructor's own moves not yet acknowledged: until they are, a slide broadcast or a
  // snapshot can only be older than what the instructor already sees, so it must not pull the
  // view back (the server stores one connection's moves in the order they were sent).
  var slideMovesInFlight = 0;
  function showSlide(section) {  // the live slide changed (or the room was drawn again)
    if (!slidesBox) { return; }
    if (instructor && slideMovesInFlight > 0) { return; }
    liveIndex = slideIndex(section);
    if (following || instructor) { viewIndex = liveIndex; }
    drawSlides();
  }
  function goToSlide(index) {  // the user moved: instructors move everyone, learners only look
    index = Math.max(0, Math.min(slides.length - 1, index));
    viewIndex = index;
    if (instructor && !closed()) {
      // Moved at once, not when the broadcast comes back: two quick "next" clicks must move two slides.
      liveIndex = index;
      slideMovesInFlight += 1;
      socket.emit("slide", { session_id: sessionId, section: slides[index].id }, function (ack) {
        slideMovesInFlight = Math.max(0, slideMovesInFlight - 1);
        if (!(ack && ack.ok)) { rejoin(); }  // refused: draw the room as the server has it
      });
    }
    following = viewIndex === liveIndex;
    drawSlides();
    $("slide-body").scrollTop = 0;
  }
  if (slidesBox) { cutSlides(); drawSlides(); }

  function draw(snapshot) {
    me = snapshot.you;
    session = snapshot.session;
    $("chat").textContent = "";
    $("questions").textContent = "";
    $("polls").textContent = "";
    people = {};
    muted = {};
    (snapshot.muted || []).forEach(function (id) { muted[id] = true; });
    snapshot.participants.forEach(function (p) { people[p.id] = p; });
    participantCount = snapshot.participant_count;
    drawParticipants();
    hands = snapshot.hands.slice();
    drawHands();
    removed = {};
    (snapshot.removed || []).forEach(function (p) { removed[p.id] = p; });
    drawRemoved();
    chatMuted = session.chat_muted;
    snapshot.chat.forEach(addChat);
    $("chat-earlier").hidden = !snapshot.chat_more;
    snapshot.questions.forEach(drawQuestion);
    snapshot.polls.forEach(drawPoll);
    drawStatus();
    showSlide(session.slide);
  }

  // Events that change the people or the state carry the change; it is applied to what is drawn.
  function applyPresence(p) {  // one batch of arrivals and departures: {joined: [...], left: [ids], count}
    (p.joined || []).forEach(function (person) { people[person.id] = person; });
    (p.left || []).forEach(function (id) { delete people[id]; });
    if (typeof p.count === "number") { participantCount = p.count; }
    drawParticipants();
  }
  function applyHand(h) {  // {user, raised}
    hands = hands.filter(function (x) { return x.id !== h.user.id; });
    if (h.raised) { hands.push(h.user); }
    drawHands();
  }
  function applySession(change) {  // part of the session's state: {chat_muted} or {state}
    Object.keys(change).forEach(function (k) { session[k] = change[k]; });
    chatMuted = session.chat_muted;
    drawStatus();
  }

  // Joins happen on (re)connection and when a heartbeat finds no open presence stretch. One at a
  // time; a further request meanwhile costs one more join a second later. Events arriving while
  // a join is in flight are applied after its snapshot is drawn (they may be newer than it).
  var joining = false;
  var joinAgain = false;
  var held = [];  // [function] events that came while joining
  function follow(fn) {
    return function (data) {
      if (joining || !session) { held.push(function () { fn(data); }); return; }
      fn(data);
    };
  }
  // The server ended this page's place in the room (a removal, a withdrawal, a logout): say why
  // and stay disconnected, rather than reconnect and be refused again.
  function shutOutWith(message) {
    shutOut = true;
    socket.disconnect();
    status(message);
  }
  function rejoin() {
    if (shutOut) { return; }
    if (joining) { joinAgain = true; return; }
    joining = true;
    socket.emit("join", { session_id: sessionId }, function (ack) {
      if (ack && ack.ok) { draw(ack.snapshot); showLink(ack.link_up !== false); }
      if (ack && ack.error === "removed") { shutOutWith(ack.message); }
      var waiting = held;
      held = [];
      if (session) { waiting.forEach(function (fn) { fn(); }); }
      if (!joinAgain) { joining = false; return; }
      setTimeout(function () { joining = false; joinAgain = false; rejoin(); }, 1000);
    });
  }
  socket.on("connect", function () {  // first connection and every reconnection
    joining = false;  // a join in flight when the connection dropped will never be answered
    slideMovesInFlight = 0;  // nor will a slide move: the snapshot of the new join is the truth
    joinAgain = false;
    held = [];
    rejoin();
  });
  socket.on("disconnect", function () { if (!shutOut) { status(root.dataset.textOffline); } });
  socket.on("presence", follow(applyPresence));
  socket.on("chat", addChat);
  socket.on("message_deleted", function (m) {
    var node = document.querySelector('#chat [data-id="' + m.id + '"]');
    if (node) { node.remove(); }
  });
  socket.on("question", drawQuestion);
  socket.on("hand", follow(applyHand));
  socket.on("hands_cleared", follow(function () { hands = []; drawHands(); }));
  socket.on("chat_muted", follow(function (m) { applySession({ chat_muted: m.muted }); }));
  socket.on("person_muted", follow(function (m) {  // {session_id, user, muted}: to the staff and that learner
    if (!session || m.session_id !== session.id) { return; }
    if (me && m.user.id === me.id) { me.muted = m.muted; drawStatus(); }
    if (instructor) { if (m.muted) { muted[m.user.id] = true; } else { delete muted[m.user.id]; } drawParticipants(); }
  }));
  socket.on("session_state", follow(function (s) { applySession({ state: s.state }); }));
  socket.on("session_cancelled", follow(function (c) {  // the last event of a cancelled room
    closingReason = c.reason || "";
    applySession({ state: "cancelled" });
  }));
  socket.on("poll", drawPoll);
  socket.on("poll_counts", drawPoll);
  socket.on("slide", function (s) { showSlide(s.section); });
  socket.on("room_error", function (e) { showError(e.message); });
  // The server lost (false) or regained (true) its link to the other server processes: what was
  // said meanwhile elsewhere is in the database, so a regained link joins again to redraw.
  socket.on("live_link", function (link) {
    showLink(link.up);
    if (link.up) { rejoin(); }
  });
  socket.on("logged_out", function () { shutOutWith(root.dataset.textLoggedOut); });
  socket.on("removed", function (r) { shutOutWith(r.message); });  // {code, message, session_id}
  socket.on("removal", follow(function (r) {  // staff: {user, removed}
    if (r.removed) { removed[r.user.id] = r.user; } else { delete removed[r.user.id]; }
    drawRemoved();
  }));
  // A heartbeat that finds no open presence stretch (closed after a long stall, or a server
  // restart) joins again, so attendance resumes without a reload.
  var heartbeatMs = (parseInt(root.dataset.heartbeat, 10) || 30) * 1000;
  setInterval(function () {
    if (socket.connected) { send("heartbeat", {}, function (ack) { if (ack.open === 0) { rejoin(); } }); }
  }, heartbeatMs);

  $("chat-form").addEventListener("submit", function (event) {
    event.preventDefault();
    sendTyped("chat", $("chat-input"));
  });
  $("ask-form").addEventListener("submit", function (event) {
    event.preventDefault();
    sendTyped("ask", $("ask-input"));
  });
  root.addEventListener("click", function (event) {
    var target = event.target.closest("[data-action], [data-slide]");
    if (!target) { return; }
    if (target.dataset.slide !== undefined) { goToSlide(slideIndex(target.dataset.slide)); return; }
    switch (target.dataset.action) {
      case "hand": handRaised = !handRaised; send("hand", { raised: handRaised }); break;
      case "start": send("session_state", { state: "live" }); break;
      case "end": send("session_state", { state: "ended" }); break;
      case "mute": send("mute_chat", { muted: !chatMuted }); break;
      case "clear-hands": send("clear_hands"); break;
      case "slide-prev": goToSlide(viewIndex - 1); break;
      case "slide-next": goToSlide(viewIndex + 1); break;
      case "follow": following = true; viewIndex = liveIndex; drawSlides(); break;
      case "chat-earlier":
        var oldest = $("chat").firstChild;
        if (oldest) { send("chat_history", { before_id: parseInt(oldest.dataset.id, 10) }, addEarlierChat); }
        break;
    }
  });
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
