// The programme page: today's session (by the phone's date), the calendar ticked from the
// done-log the share pages keep (localStorage "voicecoach:done"; nothing leaves the phone).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var DONE_KEY = "voicecoach:done";
  var $ = function (id) { return document.getElementById(id); };

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localDay(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function label(iso) {
    var p = iso.split("-");
    var d = new Date(+p[0], +p[1] - 1, +p[2]);
    return d.toLocaleDateString(document.documentElement.lang || undefined,
      { weekday: "long", day: "numeric", month: "long" });
  }

  function doneLog() {
    try {
      var log = JSON.parse(localStorage.getItem(DONE_KEY) || "[]");
      return Array.isArray(log) ? log : [];
    } catch (err) { return []; }
  }

  var today = localDay(new Date());
  var phases = data.phases;
  var index = 0;
  for (var i = 0; i < phases.length; i++) {
    if (phases[i].first <= today) { index = i; }
  }
  var phase = phases[index];
  var upcoming = phase.dates.filter(function (d) { return d >= today; });
  var when = "Finished: the last session";
  if (today < phases[0].first) { when = "Starts " + label(phases[0].dates[0]); }
  else if (phase.dates.indexOf(today) >= 0) { when = "Today"; }
  else if (upcoming.length) { when = "Next session: " + label(upcoming[0]); }
  else if (index + 1 < phases.length) { when = "Next session: " + label(phases[index + 1].dates[0]); }
  $("today-when").textContent = when;
  $("today-phase").textContent = phase.label;
  $("today-title").textContent = phase.title;
  $("today-length").textContent = phase.length;
  $("today-page").setAttribute("href", phase.page);
  if (phase.note) { $("today-note").textContent = phase.note; $("today-note").hidden = false; }
  var audio = $("today-audio");
  if (audio.getAttribute("src") !== phase.audio) { audio.setAttribute("src", phase.audio); }

  function markDone() {
    var log = doneLog();
    log.push({ id: phase.id, title: phase.title, date: new Date().toISOString() });
    try { localStorage.setItem(DONE_KEY, JSON.stringify(log.slice(-100))); } catch (err) { /* private mode */ }
    showDone();
  }

  function showDone() {
    var done = {};
    doneLog().forEach(function (entry) {
      var at = new Date(entry.date);
      if (entry && entry.id && !isNaN(at)) { done[entry.id + "|" + localDay(at)] = true; }
    });
    var items = document.querySelectorAll(".dates li");
    for (var k = 0; k < items.length; k++) {
      var li = items[k];
      var day = li.getAttribute("data-date");
      var p = phases[+li.parentNode.parentNode.getAttribute("data-phase")];
      var isDone = !!done[p.id + "|" + day];
      li.classList.toggle("done", isDone);
      li.classList.toggle("today", day === today);
      li.classList.toggle("missed", !isDone && day < today);
      li.querySelector(".status").textContent = isDone ? "done ✓" : day === today ? "today" : day < today ? "not done" : "";
    }
  }

  audio.addEventListener("ended", markDone);
  $("mark-done").addEventListener("click", markDone);
  window.addEventListener("storage", showDone);
  window.addEventListener("pageshow", showDone);
  showDone();
})();
