// voicecoach studio: the Clients view. Per client: what was shared and when, an adherence
// calendar (weeks as rows, a mark per session done) and pain and difficulty over time as an
// SVG chart whose points show their note on hover and focus. Text only via textContent.
import { acceptDrops, describe, importFiles } from "./drop.js";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const DAY_MS = 86_400_000;
const DIFFICULTY = { easy: "easy", right: "about right", hard: "too hard" };
const DIFFICULTY_Y = { easy: 0, right: 1, hard: 2 };
//: Weeks shown in a calendar at most (the newest).
const MAX_WEEKS = 26;

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) { node.setAttribute(k, v); }
  if (text !== undefined) { node.textContent = text; }
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) { node.setAttribute(k, String(v)); }
  if (text !== undefined) { node.textContent = text; }
  return node;
}

const day = (iso) => iso.slice(0, 10);
const dateText = (iso) => new Date(iso).toLocaleDateString("en", { day: "numeric", month: "short", year: "numeric" });

function monday(date) {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d;
}

function summary(s) {
  const parts = [dateText(s.done)];
  if (s.pain !== null) { parts.push(`pain ${s.pain}/10`); }
  if (s.difficulty) { parts.push(DIFFICULTY[s.difficulty]); }
  return parts.join(" · ") + (s.note ? ` — “${s.note}”` : "");
}

// Weeks as rows (Monday first), from the first share or session to this week.
function calendar(client) {
  const perDay = new Map();
  for (const s of client.sessions) { perDay.set(day(s.done), (perDay.get(day(s.done)) || 0) + 1); }
  const dates = [...client.shares.map((s) => s.created), ...client.sessions.map((s) => s.done)].map((d) => new Date(d));
  const end = monday(new Date(Math.max(Date.now(), ...dates.map(Number))));
  let start = monday(new Date(Math.min(...dates.map(Number))));
  if ((end - start) / (7 * DAY_MS) >= MAX_WEEKS) { start = new Date(end - (MAX_WEEKS - 1) * 7 * DAY_MS); }
  const table = el("table", { class: "calendar" });
  table.appendChild(el("caption", {}, "Sessions done, by week"));
  const head = el("tr");
  head.appendChild(el("th", { scope: "col" }, "Week of"));
  for (const d of ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]) { head.appendChild(el("th", { scope: "col" }, d)); }
  head.appendChild(el("th", { scope: "col" }, "Done"));
  table.appendChild(el("thead")).appendChild(head);
  const body = table.appendChild(el("tbody"));
  for (let week = start; week <= end; week = new Date(week.getTime() + 7 * DAY_MS)) {
    const row = el("tr");
    row.appendChild(el("th", { scope: "row" }, dateText(week.toISOString())));
    let total = 0;
    for (let i = 0; i < 7; i++) {
      const date = new Date(week.getTime() + i * DAY_MS).toISOString().slice(0, 10);
      const count = perDay.get(date) || 0;
      total += count;
      const cell = el("td", { "data-date": date, class: count ? "done" : "" });
      cell.appendChild(el("span", { class: "mark", "aria-hidden": "true" }, "●".repeat(Math.min(count, 3))));
      cell.appendChild(el("span", { class: "visually-hidden" }, count ? `${date}: ${count} done` : `${date}: none`));
      row.appendChild(cell);
    }
    row.appendChild(el("td", { class: "total" }, String(total)));
    body.appendChild(row);
  }
  return table;
}

// Pain (0-10, a line) above, difficulty (easy / about right / too hard) below, on one time axis.
function chart(client, tip) {
  const rated = client.sessions.filter((s) => s.pain !== null || s.difficulty);
  const W = 640, H = 282, L = 92, R = 16, T = 14, PAIN_H = 150, GAP = 26, DIFF_H = 54;
  const box = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "trend", role: "group",
    "aria-label": `Pain and difficulty over time for ${client.client || "client"}` });
  if (!rated.length) { return null; }
  const times = rated.map((s) => Date.parse(s.done));
  const t0 = Math.min(...times), t1 = Math.max(...times);
  const x = (t) => (t1 === t0 ? (L + W - R) / 2 : L + ((t - t0) / (t1 - t0)) * (W - L - R));
  const yPain = (p) => T + PAIN_H - (p / 10) * PAIN_H;
  const diffTop = T + PAIN_H + GAP;
  const yDiff = (d) => diffTop + DIFFICULTY_Y[d] * (DIFF_H / 2);
  for (const p of [0, 5, 10]) {
    box.appendChild(svg("line", { x1: L, x2: W - R, y1: yPain(p), y2: yPain(p), class: "grid" }));
    box.appendChild(svg("text", { x: L - 8, y: yPain(p) + 4, class: "axis", "text-anchor": "end" }, String(p)));
  }
  box.appendChild(svg("text", { x: 8, y: T + PAIN_H / 2, class: "axis label" }, "Pain"));
  for (const [d, label] of Object.entries(DIFFICULTY)) {
    box.appendChild(svg("line", { x1: L, x2: W - R, y1: yDiff(d), y2: yDiff(d), class: "grid" }));
    box.appendChild(svg("text", { x: L - 8, y: yDiff(d) + 4, class: "axis", "text-anchor": "end" }, label));
  }
  const pained = rated.filter((s) => s.pain !== null);
  if (pained.length > 1) {
    const path = pained.map((s, i) => `${i ? "L" : "M"}${x(Date.parse(s.done)).toFixed(1)},${yPain(s.pain).toFixed(1)}`).join(" ");
    box.appendChild(svg("path", { d: path, class: "pain-line" }));
  }
  box.appendChild(svg("text", { x: L, y: H - 4, class: "axis" }, dateText(new Date(t0).toISOString())));
  if (t1 !== t0) { box.appendChild(svg("text", { x: W - R, y: H - 4, class: "axis", "text-anchor": "end" }, dateText(new Date(t1).toISOString()))); }
  const point = (s, cx, cy, cls) => {
    const dot = svg("circle", { cx: cx.toFixed(1), cy: cy.toFixed(1), r: s.note ? 7 : 5, class: cls + (s.note ? " noted" : ""),
      tabindex: 0, role: "img", "aria-label": summary(s), "data-note": s.note || "" });
    dot.appendChild(svg("title", {}, summary(s)));
    const show = () => tip(dot, summary(s));
    dot.addEventListener("mouseenter", show);
    dot.addEventListener("focus", show);
    dot.addEventListener("mouseleave", () => tip(null));
    dot.addEventListener("blur", () => tip(null));
    box.appendChild(dot);
  };
  for (const s of rated) {
    const cx = x(Date.parse(s.done));
    if (s.pain !== null) { point(s, cx, yPain(s.pain), "pain"); }
    if (s.difficulty) { point(s, cx, yDiff(s.difficulty), "difficulty " + s.difficulty); }
  }
  return box;
}

function card(client, index) {
  const section = el("section", { class: "client", "aria-labelledby": `client-${index}` });
  section.appendChild(el("h2", { id: `client-${index}` }, client.client || "(no client name)"));
  const shared = el("ul", { class: "shared" });
  for (const s of client.shares) {
    const count = client.sessions.filter((x) => x.share === s.share).length;
    shared.appendChild(el("li", {}, `${s.title || s.routine} — shared ${dateText(s.created)} · ${count} session${count === 1 ? "" : "s"} sent back`));
  }
  section.appendChild(el("h3", {}, "Shared"));
  section.appendChild(shared);
  section.appendChild(el("h3", {}, "Adherence"));
  section.appendChild(calendar(client));
  section.appendChild(el("h3", {}, "Pain and difficulty"));
  const tipBox = el("div", { class: "tip", role: "tooltip", hidden: "" });
  const tip = (target, text) => {
    if (!target) { tipBox.hidden = true; return; }
    tipBox.textContent = text;
    tipBox.hidden = false;
    const area = section.getBoundingClientRect();
    const dot = target.getBoundingClientRect();
    tipBox.style.left = `${Math.max(0, dot.left - area.left - 20)}px`;
    tipBox.style.top = `${dot.bottom - area.top + 6}px`;
  };
  const drawn = chart(client, tip);
  section.appendChild(drawn || el("p", { class: "empty" }, "No answers sent back yet."));
  section.appendChild(tipBox);
  const notes = client.sessions.filter((s) => s.note);
  if (notes.length) {
    section.appendChild(el("h3", {}, "Notes"));
    const list = el("ul", { class: "notes" });
    for (const s of notes.slice().reverse()) { list.appendChild(el("li", {}, summary(s))); }
    section.appendChild(list);
  }
  return section;
}

async function load() {
  const res = await fetch("/api/clients");
  const data = await res.json();
  const box = $("clients");
  box.textContent = "";
  if (!data.clients.length) {
    box.appendChild(el("p", { class: "empty" }, "No shares yet: share a session with a client, then drop the check-ins they send back here."));
  }
  data.clients.forEach((client, i) => box.appendChild(card(client, i)));
  document.body.dataset.loaded = String(Date.now());
}

function show(results) {
  const list = $("drop-results");
  list.textContent = "";
  for (const o of results) { list.appendChild(el("li", { class: o.status }, describe(o))); }
  load();
}

acceptDrops(show);
$("paste-import").addEventListener("click", async () => {
  const text = $("paste").value.trim();
  if (!text) { return; }
  const file = new File([text], "pasted check-in", { type: "text/plain" });
  const results = await importFiles([file]);
  if (results[0].status !== "refused") { $("paste").value = ""; }
  show(results);
});
$("pick").addEventListener("change", async (ev) => { show(await importFiles(Array.from(ev.target.files))); ev.target.value = ""; });
load();
