/* voicecoach share page. Inlined into index.html by voicecoach/export/page.py.
   Data comes from the JSON element #data: speech cues, steps (jump points), chapters,
   lock-screen metadata. Everything the listener does stays in this browser. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var audio = document.getElementById("audio");
  var $ = function (id) { return document.getElementById(id); };
  var caption = $("caption");
  var lines = Array.prototype.slice.call(document.querySelectorAll("#script li[data-start]"));
  var chapterButtons = Array.prototype.slice.call(document.querySelectorAll("#chapters button"));
  var steps = data.steps.map(function (s) {
    return { start: s[0], end: s[1], heading: s[2], side: s[3], text: s[4], label: s[5] };
  });
  var calm = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : { matches: false };
  var current = null;
  var currentChapter = null;
  var stepIndex = -1;
  var chapterTitle = null;

  function clock(s) {
    var whole = Math.max(0, Math.floor(s));
    var h = Math.floor(whole / 3600);
    var m = Math.floor((whole % 3600) / 60);
    var sec = whole % 60;
    var mm = h ? (m < 10 ? "0" : "") + m : String(m);
    return (h ? h + ":" : "") + mm + ":" + (sec < 10 ? "0" : "") + sec;
  }

  function last(items, t, attr) {
    var found = null;
    for (var i = 0; i < items.length; i++) {
      if (parseFloat(items[i].getAttribute(attr)) <= t + 0.001) { found = items[i]; } else { break; }
    }
    return found;
  }

  function stepAt(t) {
    var found = 0;
    for (var i = 0; i < steps.length; i++) {
      if (steps[i].start <= t + 0.001) { found = i; } else { break; }
    }
    return found;
  }

  function chapterAt(t) {
    var title = data.title;
    for (var i = 0; i < data.chapters.length; i++) {
      if (data.chapters[i][0] <= t + 0.001) { title = data.chapters[i][1]; } else { break; }
    }
    return title;
  }

  function play() {
    var playing = audio.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  }

  function seek(t) {
    var end = isFinite(audio.duration) ? audio.duration : data.duration_s;
    var target = Math.max(0, Math.min(t, end));
    if (wholeFile === "loading") { wanted = target; }
    audio.currentTime = target;
    update();
  }

  /* Same rules as the terminal player: next goes to the next jump point; previous goes to
     the start of this step, or to the step before when within back_s of its start. */
  function nextStep() {
    var i = stepAt(position()) + 1;
    seek(i < steps.length ? steps[i].start : data.duration_s);
  }

  function previousStep() {
    var i = stepAt(position());
    if (position() - steps[i].start < data.back_s && i > 0) { i -= 1; }
    seek(steps[i].start);
  }

  // -- the page: script line, caption, chapter --------------------------------------------
  function update() {
    var t = audio.currentTime;
    var line = last(lines, t, "data-start");
    if (line !== current) {
      if (current) { current.classList.remove("current"); }
      if (line) {
        line.classList.add("current");
        if (!audio.paused && line.scrollIntoView && !floorOn) {
          line.scrollIntoView({ block: "nearest", behavior: calm.matches ? "auto" : "smooth" });
        }
      }
      current = line;
    }
    var speaking = "";
    for (var i = 0; i < data.speech.length; i++) {
      var cue = data.speech[i];
      if (cue[0] <= t && t < cue[1]) { speaking = cue[2]; break; }
    }
    if (caption.textContent !== speaking) { caption.textContent = speaking; }
    var chapter = last(chapterButtons, t, "data-start");
    if (chapter !== currentChapter) {
      if (currentChapter) { currentChapter.classList.remove("current"); }
      if (chapter) { chapter.classList.add("current"); }
      currentChapter = chapter;
    }
    var title = chapterAt(t);
    if (title !== chapterTitle) { chapterTitle = title; setMetadata(); }
    var index = stepAt(t);
    if (index !== stepIndex) { stepIndex = index; showStep(true); }
    updateFloorClock();
    updateBreath(t);
    savePosition(false);
  }

  // -- floor view -----------------------------------------------------------------------
  var floorOn = false;
  var floorChosen = false;
  var narrow = window.matchMedia ? window.matchMedia("(max-width: 40rem)") : { matches: false };
  var toggle = $("floor-toggle");

  function sideLabel(step) {
    return step.label || "";  // in the session's language, made by page.py
  }

  function showStep(changed) {
    var step = steps[stepIndex];
    var next = steps[stepIndex + 1];
    var text = step.text || step.heading;
    var el = $("floor-step");
    if (changed && floorOn && !calm.matches) {
      el.classList.add("changing");
      window.setTimeout(function () { el.classList.remove("changing"); }, 150);
    }
    $("floor-chapter").textContent = step.heading;
    $("floor-side").textContent = sideLabel(step);
    el.textContent = text;
    var upcoming = "End of the session";
    if (next) {
      var where = next.heading !== step.heading || next.side !== step.side;
      upcoming = (where ? next.heading + (next.side ? " (" + next.side + ")" : "") + ": " : "") +
        (next.text || next.heading);
    }
    $("floor-next").textContent = upcoming;
    if (changed && floorOn) { announce(); }
  }

  function announce() {
    var step = steps[stepIndex];
    var parts = [step.heading, sideLabel(step), step.text].filter(Boolean);
    $("floor-announce").textContent = "Step " + (stepIndex + 1) + " of " + steps.length + ". " + parts.join(". ");
  }

  function updateFloorClock() {
    var step = steps[stepIndex];
    var t = audio.currentTime;
    var left = clock(Math.ceil(Math.max(0, step.end - t) - 0.001));
    if ($("floor-left").textContent !== left) { $("floor-left").textContent = left; }
    var done = (t - step.start) / Math.max(0.001, step.end - step.start);
    $("floor-bar").style.width = Math.round(Math.max(0, Math.min(1, done)) * 1000) / 10 + "%";
  }

  function setFloor(on, focus) {
    floorOn = on;
    document.body.classList.toggle("floor", on);
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    if (on) {
      showStep(false);
      updateFloorClock();
      announce();
      if (focus) { $("floor-play").focus(); }
    } else {
      $("floor-announce").textContent = "";
      if (focus) { toggle.focus(); }
    }
  }

  toggle.addEventListener("click", function () { floorChosen = true; setFloor(!floorOn, true); });
  $("floor-close").addEventListener("click", function () { floorChosen = true; setFloor(false, true); });
  $("floor-prev").addEventListener("click", previousStep);
  $("floor-next-step").addEventListener("click", nextStep);
  $("floor-play").addEventListener("click", function () {
    if (waitTap()) { return; }
    if (audio.paused) { play(); } else { audio.pause(); }
  });
  $("prev").addEventListener("click", previousStep);
  $("next").addEventListener("click", nextStep);

  function playState() {
    var label = audio.paused ? "Play" : "Pause";
    $("floor-play").textContent = label;
    $("floor-play").setAttribute("aria-label", label);
  }

  // -- screen wake lock: on while playing, re-taken when the page is shown again ----------
  var lock = null;
  var asking = false;

  function takeLock() {
    if (!navigator.wakeLock || lock || asking || audio.paused) { return; }
    if (document.visibilityState !== "visible") { return; }
    asking = true;
    navigator.wakeLock.request("screen").then(function (sentinel) {
      asking = false;
      if (audio.paused) { sentinel.release(); return; }
      lock = sentinel;
      if (sentinel.addEventListener) {
        sentinel.addEventListener("release", function () { if (lock === sentinel) { lock = null; } });
      }
    }, function () { asking = false; });
  }

  function dropLock() {
    if (!lock) { return; }
    var sentinel = lock;
    lock = null;
    var released = sentinel.release();
    if (released && released.catch) { released.catch(function () {}); }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { takeLock(); } else { lock = null; }
  });

  // -- media session: lock screen and earphone buttons ----------------------------------
  var session = navigator.mediaSession;

  /* Lock-screen images must be http(s) or data: URLs, so from disk the small icon is inline. */
  function setMetadata() {
    if (!session || typeof MediaMetadata === "undefined") { return; }
    session.metadata = new MediaMetadata({
      title: data.title,
      artist: chapterTitle || data.title,
      album: data.album,
      artwork: /^https?:$/.test(location.protocol) ? data.artwork : data.artwork_inline
    });
  }

  function setPosition() {
    if (!session || !session.setPositionState) { return; }
    var duration = isFinite(audio.duration) && audio.duration > 0 ? audio.duration : data.duration_s;
    try {
      session.setPositionState({
        duration: duration,
        playbackRate: audio.playbackRate || 1,
        position: Math.max(0, Math.min(audio.currentTime, duration))
      });
    } catch (err) { /* an old browser with a stricter check: the lock screen shows no bar */ }
  }

  function handle(action, fn) {
    try { session.setActionHandler(action, fn); } catch (err) { /* action not supported */ }
  }

  if (session) {
    handle("play", function () { if (!waitTap()) { play(); } });
    handle("pause", function () { if (!waiting) { audio.pause(); } });
    handle("nexttrack", function () { if (!waitTap()) { nextStep(); } setPosition(); });
    handle("previoustrack", function () { previousStep(); setPosition(); });
    handle("seekforward", function (d) { seek(audio.currentTime + ((d && d.seekOffset) || 10)); setPosition(); });
    handle("seekbackward", function (d) { seek(audio.currentTime - ((d && d.seekOffset) || 10)); setPosition(); });
    handle("seekto", function (d) { if (d && isFinite(d.seekTime)) { seek(d.seekTime); setPosition(); } });
  }

  // -- resume and the done-log (localStorage: nothing leaves the phone) ------------------
  var POSITION_KEY = "voicecoach:position:" + data.id;
  var DONE_KEY = "voicecoach:done";
  var savedAt = -1;
  var started = false;

  function store(key, value) {
    try {
      if (value === null) { localStorage.removeItem(key); } else { localStorage.setItem(key, value); }
    } catch (err) { /* storage off (private mode): resume is simply not offered */ }
  }

  function read(key) {
    try { return localStorage.getItem(key); } catch (err) { return null; }
  }

  function savePosition(now) {
    if (!started || swapping) { return; }
    var t = audio.currentTime;
    if (!now && Math.abs(t - savedAt) < 5) { return; }
    savedAt = t;
    var nearEnd = t > data.duration_s - 5;
    store(POSITION_KEY, t < 5 || nearEnd || audio.ended ? null : t.toFixed(1));
  }

  function offerResume() {
    var saved = parseFloat(read(POSITION_KEY));
    if (!(saved >= 5 && saved < data.duration_s - 5)) { return; }
    $("resume-at").textContent = clock(saved);
    $("resume-yes").textContent = "Resume at " + clock(saved);
    $("resume").hidden = false;
    $("resume-yes").addEventListener("click", function () {
      $("resume").hidden = true;
      seek(saved);
      play();
      audio.focus();
    });
    $("resume-no").addEventListener("click", function () {
      $("resume").hidden = true;
      store(POSITION_KEY, null);
      seek(0);
      audio.focus();
    });
  }

  function doneLog() {
    try {
      var log = JSON.parse(read(DONE_KEY) || "[]");
      return Array.isArray(log) ? log : [];
    } catch (err) { return []; }
  }

  function showDone() {
    var log = doneLog();
    var list = $("done-list");
    list.textContent = "";
    for (var i = log.length - 1; i >= 0; i--) {
      var entry = log[i];
      var li = document.createElement("li");
      var when = new Date(entry.date);
      var time = document.createElement("time");
      time.dateTime = entry.date;
      time.textContent = isNaN(when) ? entry.date : when.toLocaleString(document.documentElement.lang || undefined,
        { dateStyle: "medium", timeStyle: "short" });
      li.appendChild(time);
      li.appendChild(document.createTextNode(" · " + entry.title));
      if (entry.id === data.id) { li.className = "this"; }
      checkinRow(li, entry);
      list.appendChild(li);
    }
    $("done").hidden = log.length === 0;
  }

  function markDone() {
    var log = doneLog();
    var entry = { id: data.id, title: data.title, date: new Date().toISOString() };
    if (ask) { entry.share = ask.share; }
    log.push(entry);
    store(DONE_KEY, JSON.stringify(log.slice(-100)));
    store(POSITION_KEY, null);
    showDone();
    askCheckin(entry.date);
  }

  // -- check-ins: pain, difficulty and a note after a session; sent only by the client ----
  /* Answers live in the done-log entries (localStorage, on this phone). "Send to my
     therapist" makes a small file: the share's id, the sessions done from this share with
     their answers, and an HMAC-SHA256 with the share's key, so the therapist's studio knows
     which share it came from and that it was not edited. */
  var ask = data.checkin;
  var asking_for = null;
  var answer = { pain: null, difficulty: null };

  function words(key, n) {
    var text = (ask && ask.text[key]) || key;
    return n === undefined ? text : text.replace("{n}", String(n)).replace("{title}", String(n));
  }

  function when(date) {
    var d = new Date(date);
    return isNaN(d) ? date : d.toLocaleString(document.documentElement.lang || undefined,
      { dateStyle: "medium", timeStyle: "short" });
  }

  function checkinRow(li, entry) {
    if (!ask || entry.share !== ask.share) { return; }
    if (entry.checkin) {
      var parts = [];
      if (entry.checkin.pain !== null && entry.checkin.pain !== undefined) { parts.push(words("pain_of", entry.checkin.pain)); }
      if (entry.checkin.difficulty) { parts.push(words(entry.checkin.difficulty)); }
      var span = document.createElement("span");
      span.className = "rated";
      span.textContent = " · " + parts.join(", ");
      li.appendChild(span);
    } else {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "rate";
      button.textContent = words("rate");
      button.addEventListener("click", function () { askCheckin(entry.date); });
      li.appendChild(button);
    }
  }

  function press(buttons, chosen) {
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", b === chosen ? "true" : "false"); });
  }

  function askCheckin(date) {
    if (!ask) { return; }
    if (floorOn) { setFloor(false, false); }
    asking_for = date;
    answer = { pain: null, difficulty: null };
    press(painButtons, null);
    press(difficultyButtons, null);
    $("checkin-note").value = "";
    $("checkin-save").disabled = true;
    $("checkin-when").textContent = when(date) + " · " + data.title;
    $("checkin").hidden = false;
    $("checkin-heading").focus();
    if ($("checkin").scrollIntoView) { $("checkin").scrollIntoView({ block: "start", behavior: calm.matches ? "auto" : "smooth" }); }
  }

  function saveCheckin() {
    var log = doneLog();
    for (var i = 0; i < log.length; i++) {
      if (log[i].date === asking_for && log[i].share === ask.share) {
        log[i].checkin = { pain: answer.pain, difficulty: answer.difficulty,
          note: $("checkin-note").value.trim().slice(0, 500) };
      }
    }
    store(DONE_KEY, JSON.stringify(log));
    $("checkin").hidden = true;
    asking_for = null;
    showDone();
    showSend(words("saved"));
    $("send-button").focus();
  }

  function sessionsToSend() {
    return doneLog().filter(function (e) { return e.share === ask.share; }).map(function (e) {
      var c = e.checkin || {};
      return { done: e.date, pain: c.pain === undefined ? null : c.pain,
        difficulty: c.difficulty || null, note: c.note || "" };
    });
  }

  function showSend(status) {
    if (!ask) { return; }
    hideClosing();  // answered on the closing screen: back to the page, where sending is
    $("send").hidden = sessionsToSend().length === 0;
    $("send-status").textContent = status || "";
  }

  /* SHA-256 and HMAC in plain JS, for pages without WebCrypto (crypto.subtle exists only in
     a secure context: not on a plain-http hand-over address). Bytes in, bytes out. */
  var K = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2];

  function sha256(bytes) {
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var length = bytes.length;
    var padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
    padded.set(bytes);
    padded[length] = 0x80;
    var bits = length * 8;
    for (var b = 0; b < 8; b++) { padded[padded.length - 1 - b] = Math.floor(bits / Math.pow(2, 8 * b)) & 0xff; }
    var w = new Array(64);
    for (var off = 0; off < padded.length; off += 64) {
      for (var t = 0; t < 64; t++) {
        if (t < 16) {
          w[t] = (padded[off + 4 * t] << 24) | (padded[off + 4 * t + 1] << 16) | (padded[off + 4 * t + 2] << 8) | padded[off + 4 * t + 3];
        } else {
          var x = w[t - 15], y = w[t - 2];
          var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
          var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
          w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
        }
      }
      var a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (var r = 0; r < 64; r++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[r] + w[r]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
      }
      h = [h[0] + a, h[1] + bb, h[2] + c, h[3] + d, h[4] + e, h[5] + f, h[6] + g, h[7] + hh].map(function (v) { return v | 0; });
    }
    var out = new Uint8Array(32);
    for (var i = 0; i < 8; i++) { for (var j = 0; j < 4; j++) { out[4 * i + j] = (h[i] >>> (24 - 8 * j)) & 0xff; } }
    return out;
  }

  function hmacPlain(key, message) {
    var block = new Uint8Array(64);
    block.set(key.length > 64 ? sha256(key) : key);
    var inner = new Uint8Array(64 + message.length);
    var outer = new Uint8Array(64 + 32);
    for (var i = 0; i < 64; i++) { inner[i] = block[i] ^ 0x36; outer[i] = block[i] ^ 0x5c; }
    inner.set(message, 64);
    outer.set(sha256(inner), 64);
    return sha256(outer);
  }

  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) { out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return out;
  }

  function fromHex(text) {
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(text.substr(2 * i, 2), 16); }
    return out;
  }

  function hmac(keyHex, text) {
    var key = fromHex(keyHex);
    var message = new TextEncoder().encode(text);
    var subtle = window.crypto && window.crypto.subtle;
    if (!subtle) { return Promise.resolve(hex(hmacPlain(key, message))); }
    return subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      .then(function (k) { return subtle.sign("HMAC", k, message); })
      .then(function (sig) { return hex(new Uint8Array(sig)); },
        function () { return hex(hmacPlain(key, message)); });
  }

  /* The file: the signed text is the check-in itself (JSON); the HMAC covers its exact
     bytes, so no one has to agree on how JSON is written. */
  function checkinFile() {
    var signed = JSON.stringify({ format: ask.format, share: ask.share, client: ask.client,
      routine: ask.routine, title: ask.title, sent: new Date().toISOString(), sessions: sessionsToSend() });
    return hmac(ask.key, signed).then(function (mac) {
      return JSON.stringify({ format: ask.format, share: ask.share, checkin: signed, hmac_sha256: mac }, null, 1) + "\n";
    });
  }

  function fileName() {
    var who = (ask.client || "client").replace(/[^A-Za-z0-9\u00C0-\u024F]+/g, "-").replace(/^-|-$/g, "");
    // .txt: Android's share sheet takes text files, not .json ones.
    return "checkin-" + (who || "client") + "-" + new Date().toISOString().slice(0, 10) + ".txt";
  }

  function offerFallback(text) {
    var name = fileName();
    var link = $("send-download");
    link.download = name;
    link.href = "data:text/plain;charset=utf-8," + encodeURIComponent(text);
    $("send-email").href = "mailto:?subject=" + encodeURIComponent(words("subject", data.title)) +
      "&body=" + encodeURIComponent(text);
    $("send-copy").onclick = function () { copyText(text); };
    $("send-fallback").hidden = false;
  }

  function copyText(text) {
    var done = function () { $("send-status").textContent = words("copied"); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { copyByHand(text); done(); });
    } else { copyByHand(text); done(); }
  }

  function copyByHand(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (err) { /* the text stays selectable */ }
    document.body.removeChild(area);
  }

  function send() {
    if (sessionsToSend().length === 0) { $("send-status").textContent = words("nothing"); return; }
    checkinFile().then(function (text) {
      var file = null;
      try { file = new File([text], fileName(), { type: "text/plain" }); } catch (err) { file = null; }
      if (file && navigator.share && navigator.canShare && navigator.canShare({ files: [file] })) {
        navigator.share({ files: [file], title: words("subject", data.title) }).then(function () {
          $("send-status").textContent = words("shared");
        }, function (err) {
          if (!err || err.name !== "AbortError") { offerFallback(text); }
        });
      } else {
        offerFallback(text);
      }
    });
  }

  var painButtons = Array.prototype.slice.call(document.querySelectorAll("#checkin [data-pain]"));
  var difficultyButtons = Array.prototype.slice.call(document.querySelectorAll("#checkin [data-difficulty]"));
  if (ask) {
    painButtons.forEach(function (b) {
      b.addEventListener("click", function () {
        answer.pain = parseInt(b.getAttribute("data-pain"), 10);
        press(painButtons, b);
        $("checkin-save").disabled = false;
      });
    });
    difficultyButtons.forEach(function (b) {
      b.addEventListener("click", function () {
        answer.difficulty = b.getAttribute("data-difficulty");
        press(difficultyButtons, b);
        $("checkin-save").disabled = false;
      });
    });
    $("checkin-save").addEventListener("click", saveCheckin);
    $("checkin-later").addEventListener("click", function () { $("checkin").hidden = true; showSend(); });
    $("send-button").addEventListener("click", send);
  }

  // -- keyboard ---------------------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = event.target && event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA") { return; }
    var key = event.key;
    if (tag === "AUDIO" && nativeKey(key)) { return; }
    if (key === " " && tag === "BUTTON") { return; }
    if ((key === " " || key === "k" || key === "K") && waitTap()) { /* a step that waits goes on */ }
    else if (key === " " || key === "k" || key === "K") { if (audio.paused) { play(); } else { audio.pause(); } }
    else if (key === "n" || key === "N") { nextStep(); }
    else if (key === "p" || key === "P") { previousStep(); }
    else if (key === "l" || key === "L") { seek(audio.currentTime + 10); }
    else if (key === "j" || key === "J") { seek(audio.currentTime - 10); }
    else if (key === "f" || key === "F") { floorChosen = true; setFloor(!floorOn, true); }
    else if (key === "Escape" && floorOn) { floorChosen = true; setFloor(false, true); }
    else { return; }
    event.preventDefault();
  });

  // -- steps that wait for the listener: until: ready, count: self (follow.py's data) -----
  /* The audio file holds every step at its written length; here the page stops where a
     step waits: after an `until: ready` step's spoken prompt, until a tap, Space or the
     earphone's play or next; or, for `count: self`, where the counting starts, counting
     one repetition per tap (or by itself after cap seconds) and then going on from the
     end of the counted step. */
  var waits = (data.waits || []).map(function (w) {
    return { start: w[0], at: w[1], count: w[2], cap: w[3], prompt: w[4] };
  });
  var waiting = null;
  var counted = 0;
  var capTimer = null;
  var lastT = 0;

  function stopAt(w) { return w.count ? w.start : w.at; }

  function showWait() {
    var button = $("wait-go");
    button.textContent = "";
    if (waiting.count) {
      var n = document.createElement("span");
      n.textContent = counted + " / " + waiting.count;
      button.appendChild(n);
      button.appendChild(document.createTextNode("Tap for each repetition"));
    } else {
      button.appendChild(document.createTextNode(waiting.prompt || "Tap when you are ready"));
    }
    $("wait").hidden = false;
    button.focus();
  }

  function leaveWait() {
    waiting = null;
    window.clearTimeout(capTimer);
    $("wait").hidden = true;
  }

  function startWait(w) {
    waiting = w;
    counted = 0;
    audio.pause();
    lastT = stopAt(w);
    audio.currentTime = lastT;
    document.body.classList.add("waiting");
    showWait();
    if (w.count) { capTimer = window.setTimeout(countOne, w.cap * 1000); }
  }

  function countOne() {
    counted += 1;
    window.clearTimeout(capTimer);
    if (counted >= waiting.count) {
      var end = waiting.at;
      leaveWait();
      lastT = end;
      audio.currentTime = end;
      play();
      return;
    }
    showWait();
    capTimer = window.setTimeout(countOne, waiting.cap * 1000);
  }

  /* A tap while the page waits: true when it was used (the caller does nothing else). */
  function waitTap() {
    if (!waiting) { return false; }
    if (waiting.count) { countOne(); return true; }
    leaveWait();
    play();
    return true;
  }

  function watchWaits() {
    var t = audio.currentTime;
    if (!audio.paused && !waiting) {
      for (var i = 0; i < waits.length; i++) {
        var at = stopAt(waits[i]);
        if (lastT < at - 0.001 && t >= at - 0.04) { startWait(waits[i]); return; }
      }
    }
    lastT = t;
  }

  $("wait-go").addEventListener("click", waitTap);
  audio.addEventListener("seeked", function () {
    if (waiting && Math.abs(audio.currentTime - stopAt(waiting)) > 0.1) { leaveWait(); }
    lastT = audio.currentTime;
  });
  audio.addEventListener("play", function () { if (waiting && !waiting.count) { leaveWait(); } });
  if (waits.length) { window.setInterval(watchWaits, 25); }

  // -- the breath circle on the floor view: grows on the inhale, stays, shrinks ---------
  var breath = data.breath || [];
  var breathShown = null;
  var PHASE_WORDS = { "in": "Breathe in", hold: "Hold", out: "Breathe out", rest: "Hold" };

  function updateBreath(t) {
    var found = null;
    for (var i = 0; i < breath.length; i++) {
      if (breath[i][0] <= t && t < breath[i][1]) { found = breath[i]; break; }
      if (breath[i][0] > t) { break; }
    }
    $("floor-breath").hidden = !found;
    if (found === breathShown) { return; }
    breathShown = found;
    if (!found) { return; }
    var circle = $("floor-breath-circle");
    var full = found[2] === "in" || found[2] === "hold";
    var left = Math.max(0, found[1] - t);
    var moving = !calm.matches && !audio.paused && (found[2] === "in" || found[2] === "out");
    circle.style.transition = moving ? "transform " + left.toFixed(2) + "s ease-in-out" : "none";
    circle.style.transform = "scale(" + (full ? 1 : 0.45) + ")";
    circle.setAttribute("data-phase", found[2]);
    $("floor-breath-phase").textContent = PHASE_WORDS[found[2]] || "";
  }

  // -- wiring -----------------------------------------------------------------------------
  chapterButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      seek(parseFloat(button.getAttribute("data-start")));
      play();
    });
  });
  audio.addEventListener("timeupdate", update);
  audio.addEventListener("seeked", function () { update(); setPosition(); });
  audio.addEventListener("loadedmetadata", setPosition);
  audio.addEventListener("ratechange", setPosition);
  audio.addEventListener("play", function () {
    started = true;
    playState();
    takeLock();
    if (session) { session.playbackState = "playing"; }
    setPosition();
    $("resume").hidden = true;
    if (!floorOn && !floorChosen && narrow.matches) {
      var inside = document.activeElement && $("page").contains(document.activeElement);
      setFloor(true, inside);
    }
  });
  audio.addEventListener("pause", function () {
    playState();
    dropLock();
    if (session) { session.playbackState = "paused"; }
    setPosition();
    savePosition(true);
  });
  audio.addEventListener("ended", function () { markDone(); showClosing(); });
  audio.addEventListener("play", hideClosing);
  audio.addEventListener("loadedmetadata", loadWhole);
  audio.addEventListener("error", loadWhole);
  window.addEventListener("pagehide", function () { savePosition(true); });

  if ("serviceWorker" in navigator && window.isSecureContext && /^https?:$/.test(location.protocol)) {
    navigator.serviceWorker.register("sw.js").then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      $("offline").textContent = "Saved on this device: it plays without signal.";
    }).catch(function () {});
  }

  // -- keys after a click on the audio element's own controls --------------------------------
  /* Chromium's native controls keep every key (and never pass it to the page) while the
     audio element has focus, so after its play button or time bar N, P and F did nothing.
     Once the native controls have done their part, focus moves to the player around them,
     where every key of the page works (Space still plays and pauses). Where a browser does
     pass keys on from the audio element, the keys it handles itself are left to it. */
  function nativeKey(key) {
    return key === " " || key === "Enter" || key.indexOf("Arrow") === 0 || key === "Home" ||
      key === "End" || key === "PageUp" || key === "PageDown";
  }

  var player = audio.closest ? audio.closest(".player") : null;
  function leaveNativeControls() {
    if (!player || document.activeElement !== audio) { return; }
    if (!player.hasAttribute("tabindex")) { player.setAttribute("tabindex", "-1"); }
    player.focus({ preventScroll: true });
  }
  ["play", "pause", "seeked", "volumechange", "ratechange"].forEach(function (type) {
    audio.addEventListener(type, leaveNativeControls);
  });

  // -- the whole file when the host answers no byte ranges ---------------------------------
  /* Some hosts (python -m http.server, simple shared hosting) answer a range request with the
     whole file and no Accept-Ranges: Chromium then cannot seek (audio.seekable is empty) and
     every step jump snaps back to the start. Served over http(s), when the stream cannot be
     sought through, the page fetches the file once and plays it from memory (a blob: URL),
     where every position can be reached; a step jump asked for meanwhile is kept and made
     once the file is in. A browser that cannot seek in a blob either goes back to the
     stream. (A probe with a Range header is no test: the browser's cache answers it.) */
  var wholeFile = null;  // null, "loading", "done", "stream" or "failed"
  var wanted = null;
  var swapping = false;

  /* Where the listener is: a jump not yet made (the file still coming) counts as made, so
     tapping Next twice goes two steps on. */
  function position() {
    return wanted !== null ? wanted : audio.currentTime;
  }

  function loadWhole() {
    if (wholeFile !== null || !/^https?:$/.test(location.protocol)) { return; }
    if (!window.fetch || !window.URL || !URL.createObjectURL) { return; }
    if (!audio.error && seekableAll()) { return; }
    wholeFile = "loading";
    fetch(audio.currentSrc || audio.src).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.blob();
    }).then(function (blob) {
      swapTo(URL.createObjectURL(blob), "done");
    }).catch(function () { wholeFile = "failed"; wanted = null; swapping = false; });
  }

  function seekableAll() {
    var ranges = audio.seekable;
    var end = isFinite(audio.duration) ? audio.duration : data.duration_s;
    return !!ranges && ranges.length > 0 && ranges.start(0) <= 0.5 &&
      ranges.end(ranges.length - 1) >= end - 0.5;
  }

  /* Plays ``url`` from where the listener is (or was sent meanwhile), playing if it was. */
  function swapTo(url, state) {
    var stream = audio.currentSrc || audio.src;
    var at = wanted !== null ? wanted : audio.currentTime;
    var playing = !audio.paused;
    swapping = true;
    audio.addEventListener("loadedmetadata", function () {
      if (state === "done" && !seekableAll()) {
        URL.revokeObjectURL(url);
        if (wanted === null) { wanted = at; }
        swapTo(stream, "stream");
        return;
      }
      audio.currentTime = wanted !== null ? wanted : at;  // a jump made during the swap wins
      wanted = null;
      swapping = false;
      wholeFile = state;
      if (playing) { play(); }
      update();
    }, { once: true });
    audio.src = url;
  }

  // -- the end: a closing screen, with what was done on this phone --------------------------
  function ordinal(n) {
    return n === 1 ? "once" : n === 2 ? "twice" : n + " times";
  }

  function showClosing() {
    var log = doneLog();
    var mine = log.filter(function (entry) { return entry.id === data.id; });
    $("closing-greeting").textContent = data.client ? "Well done, " + data.client + "." : "Well done.";
    $("closing-count").textContent = "Done " + ordinal(mine.length) + " on this phone.";
    var list = $("closing-log");
    list.textContent = "";
    mine.slice(-5).reverse().forEach(function (entry) {
      var li = document.createElement("li");
      var when = new Date(entry.date);
      li.textContent = isNaN(when) ? entry.date : when.toLocaleString(
        document.documentElement.lang || undefined, { dateStyle: "medium", timeStyle: "short" });
      list.appendChild(li);
    });
    $("floor-announce").textContent = "";
    document.body.classList.add("closing");
    $("closing").hidden = false;
    // A check-in asked at the end is answered on the closing screen (the page is hidden).
    var checkin = $("checkin");
    if (checkin && !checkin.hidden) {
      checkinHome = { parent: checkin.parentNode, next: checkin.nextSibling };
      $("closing").appendChild(checkin);  // below Play again / Back, which stay in view
    }
    $("closing-heading").focus();  // "Session complete" first; the check-in follows it
  }

  var checkinHome = null;
  function hideClosing() {
    if ($("closing").hidden) { return; }
    if (checkinHome) {  // the check-in goes back beside the done-log
      checkinHome.parent.insertBefore($("checkin"), checkinHome.next);
      checkinHome = null;
    }
    $("closing").hidden = true;
    document.body.classList.remove("closing");
  }

  $("closing-again").addEventListener("click", function () {
    hideClosing();
    seek(0);
    play();
  });
  $("closing-close").addEventListener("click", function () {
    hideClosing();
    floorChosen = true;
    setFloor(false, false);
    $("done").scrollIntoView({ block: "start" });
    $("done-heading").focus();
  });

  update();
  playState();
  offerResume();
  showDone();
  showSend();
})();
