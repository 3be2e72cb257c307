// The studio's programme view: the calendar, each phase's chart, build and share.
// Text from the programme only ever reaches the page through textContent.
import { Chart, clock } from "./chart.js";

const $ = (id) => document.getElementById(id);
const NAME = document.body.dataset.name;

async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  let data = {};
  try { data = await res.json(); } catch (err) { data = { error: res.statusText }; }
  return { ok: res.ok, data };
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
}

function showProblems(problems) {
  const list = $("problems");
  list.textContent = "";
  for (const p of problems) {
    const li = document.createElement("li");
    li.className = p.severity;
    li.textContent = `${p.file}:${p.line}:${p.col}: ${p.message}` + (p.hint ? ` (hint: ${p.hint})` : "");
    list.appendChild(li);
  }
}

function showPlan(plan, phases) {
  $("title").textContent = plan.title;
  const days = plan.days.join(", ") + (plan.reminder ? " at " + plan.reminder : "");
  $("summary").textContent = `${plan.start} to ${plan.end} · ${days} · ${plan.sessions.length} sessions`;
  const body = $("calendar").querySelector("tbody");
  body.textContent = "";
  const seen = new Set();
  for (const s of plan.sessions) {
    const row = document.createElement("tr");
    const phase = plan.phases.find((p) => p.phase === s.phase);
    cell(row, `${s.weekday} ${s.date}`);
    cell(row, s.phase);
    cell(row, s.routine);
    cell(row, clock(s.length_s));
    cell(row, seen.has(s.phase) ? "" : phase.changed.join("; "));
    seen.add(s.phase);
    body.appendChild(row);
  }
  const host = $("phases");
  host.textContent = "";
  plan.phases.forEach((p, i) => {
    const box = document.createElement("div");
    box.className = "phase";
    const h = document.createElement("h3");
    h.textContent = `${p.phase}: ${p.title} · ${clock(p.length_s)}`;
    const changed = document.createElement("p");
    changed.className = "meta";
    changed.textContent = p.changed.join("; ");
    const chart = document.createElement("div");
    chart.className = "chart";
    chart.setAttribute("aria-label", `${p.phase} timeline`);
    box.append(h, changed, chart);
    host.appendChild(box);
    new Chart(chart, $("tooltip"), () => {}).render(phases[i].timeline, phases[i].timeline.steps);
  });
}

async function load() {
  const res = await api("/api/programme/plan", { name: NAME });
  if (!res.ok) { $("status").textContent = res.data.error; return; }
  showProblems(res.data.problems);
  if (res.data.plan) showPlan(res.data.plan, res.data.phases);
  $("status").textContent = res.data.problems.length ? "the programme has problems" : "checked";
}

function follow(job, done) {
  const events = new EventSource(`/api/jobs/${encodeURIComponent(job.id)}/events`);
  events.onmessage = (msg) => {
    const snap = JSON.parse(msg.data);
    $("progress").textContent = snap.state === "running"
      ? `${snap.stage || "starting"} ${snap.total ? Math.round((100 * snap.done) / snap.total) + "%" : ""}`
      : snap.state;
    if (snap.state === "failed") { events.close(); $("progress").textContent = "failed: " + snap.error; }
    if (snap.state === "done") { events.close(); done(snap.result); }
  };
}

function link(file) {
  const li = document.createElement("li");
  const a = document.createElement("a");
  a.href = "/files/" + file.split("/").map(encodeURIComponent).join("/");
  a.textContent = file;
  li.appendChild(a);
  $("made").appendChild(li);
}

$("build").addEventListener("click", async () => {
  const res = await api("/api/programme/build", { name: NAME });
  if (!res.ok) { $("progress").textContent = res.data.error; return; }
  follow(res.data, (result) => { $("made").textContent = ""; result.files.forEach(link); });
});

$("share").addEventListener("click", async () => {
  const res = await api("/api/programme/share", { name: NAME, base_url: $("base-url").value || null });
  if (!res.ok) { $("progress").textContent = res.data.error; return; }
  follow(res.data, (result) => { $("made").textContent = ""; link(result.file); });
});

load();
