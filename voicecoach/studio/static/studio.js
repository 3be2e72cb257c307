// voicecoach studio: the page. Editor (CodeMirror 6), diagnostics from the server (what
// `validate --strict` says), the timeline chart, play from any step, build and share.
// Drafts live in localStorage until saved. Routine text is only set via textContent.
import {
  EditorState, StateEffect, StateField, EditorView, keymap, lineNumbers, highlightActiveLine,
  highlightActiveLineGutter, drawSelection, Decoration, defaultKeymap, history, historyKeymap,
  indentWithTab, syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching,
  indentUnit, yaml, autocompletion, completionKeymap, linter, lintGutter, setDiagnostics, search,
  searchKeymap, highlightSelectionMatches,
} from "./vendor/codemirror.js";
import { Chart, clock, stepBlocks } from "./chart.js";
import { schemaCompletion, stepInsertion } from "./complete.js";
import { initRecord } from "./record.js";
import { initCare, pinnedLength, progressText, restoreControls, showRange } from "./care.js";

const DATA = JSON.parse(document.getElementById("studio-data").textContent);
const $ = (id) => document.getElementById(id);
const KEY = "voicecoach-studio:" + DATA.folder + ":";
const CHECK_DELAY_MS = 400;
//: A quiet moment after opening or editing prepares the preview, so "play" starts at once.
const PREPARE_DELAY_MS = 1200;

let recordPanel = null; // the Record panel (record.js), refreshed after each check
const state = {
  name: null, builtin: null, version: null, saved: "", readonly: false,
  timeline: null, steps: [], range: null, problems: [], playing: null, voices: [],
  gen: 0, checkedGen: -1,
};

// -- server ---------------------------------------------------------------------------------

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  };
  const res = await fetch(path, init);
  let data = {};
  try { data = await res.json(); } catch (_) { /* empty */ }
  return { ok: res.ok, status: res.status, data };
}

function status(text) { $("status").textContent = text; }

function source() {
  return state.builtin ? { builtin: state.builtin } : { name: state.name };
}

function controls() {
  const seed = $("seed").value;
  return {
    length_s: pinnedLength(),
    pace: $("pace").value,
    detail: $("detail").value,
    seed: seed === "" ? null : Number(seed),
    voice: $("voice").value || null,
  };
}

// -- editor ---------------------------------------------------------------------------------

const setMarks = StateEffect.define();
const marks = StateField.define({
  create: () => Decoration.none,
  update(value, tr) {
    value = value.map(tr.changes);
    for (const e of tr.effects) if (e.is(setMarks)) value = e.value;
    return value;
  },
  provide: (f) => EditorView.decorations.from(f),
});

function markLines(view, lines, cls) {
  const doc = view.state.doc;
  const ranges = [...new Set(lines)].filter((n) => n >= 1 && n <= doc.lines).sort((a, b) => a - b)
    .map((n) => Decoration.line({ class: cls }).range(doc.line(n).from));
  view.dispatch({ effects: setMarks.of(Decoration.set(ranges)) });
}

function toDiagnostics(doc, problems) {
  return problems.map((p) => {
    const line = doc.line(Math.min(Math.max(p.line || 1, 1), doc.lines));
    const from = Math.min(line.from + Math.max((p.col || 1) - 1, 0), line.to);
    const token = /^[^\s:]*/.exec(doc.sliceString(from, line.to))[0].length;
    return {
      from, to: Math.max(from + token, from === line.to ? from : from + 1),
      severity: p.severity === "warning" ? "warning" : "error",
      message: p.message + (p.hint ? `\nhint: ${p.hint}` : ""),
    };
  });
}

async function runCheck(view) {
  if (!state.name && !state.builtin) return [];
  const text = view.state.doc.toString();
  const gen = state.gen;
  const res = await api("/api/check", { ...source(), text, ...controls() });
  if (gen !== state.gen || view.state.doc.toString() !== text) return []; // stale
  state.checkedGen = gen;
  if (!res.ok) { status(res.data.error || "check failed"); return []; }
  state.problems = res.data.problems;
  showProblems(res.data.problems);
  // With a routine that does not load, the chart shows the last one that did, dimmed.
  $("chart").classList.toggle("stale", !res.data.timeline);
  if (res.data.timeline) {
    state.timeline = res.data.timeline;
    state.steps = res.data.timeline.steps || [];
    state.range = res.data.range;
    if (!state.playing) drawChart(state.timeline);
    setRange(res.data.range, res.data.timeline.duration_s);
    schedulePrepare();
    if (recordPanel) recordPanel.refresh();
  }
  document.body.dataset.checked = String(Number(document.body.dataset.checked || 0) + 1);
  return toDiagnostics(view.state.doc, res.data.problems);
}

const view = new EditorView({
  parent: $("editor"),
  state: EditorState.create({ doc: "", extensions: baseExtensions(false) }),
});

function baseExtensions(readonly) {
  return [
    lineNumbers(), highlightActiveLineGutter(), highlightActiveLine(), drawSelection(), history(),
    indentOnInput(), bracketMatching(), indentUnit.of("  "), highlightSelectionMatches(), search(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }), yaml(), marks,
    EditorView.lineWrapping,
    autocompletion({ override: [schemaCompletion(DATA.schema)] }),
    linter(runCheck, { delay: CHECK_DELAY_MS }), lintGutter(),
    keymap.of([...completionKeymap, ...defaultKeymap, ...historyKeymap, ...searchKeymap,
      indentWithTab, { key: "Mod-s", run: () => { save(false); return true; } }]),
    EditorState.readOnly.of(readonly),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) onEdit();
      if (u.selectionSet || u.docChanged) onCursor();
    }),
  ];
}

function load(text, readonly) {
  state.gen += 1; // answers to checks of what was open before are dropped
  view.setState(EditorState.create({ doc: text, extensions: baseExtensions(readonly) }));
  state.readonly = readonly;
  onEdit(true);
}

let draftTimer = null;
function onEdit(initial) {
  const text = view.state.doc.toString();
  const dirty = !state.readonly && text !== state.saved;
  $("dirty").hidden = !dirty;
  $("save").disabled = !dirty || state.readonly;
  if (initial || !state.name) return;
  clearTimeout(draftTimer);
  draftTimer = setTimeout(() => keepDraft(text), 250);
}

function keepDraft(text) {
  if (!state.name) return;
  if (text === state.saved) localStorage.removeItem(KEY + "draft:" + state.name);
  else localStorage.setItem(KEY + "draft:" + state.name,
    JSON.stringify({ text, version: state.version, at: Date.now() }));
}

function cursorLine() {
  return view.state.doc.lineAt(view.state.selection.main.head).number;
}

/** The step line that the cursor's line belongs to (the nearest step start above it). */
function stepLineAt(line) {
  let best = 0;
  for (const s of state.steps) if (s.line <= line && s.line > best) best = s.line;
  if (!best) return 0;
  const nextStart = Math.min(...state.steps.map((s) => s.line).filter((l) => l > best), Infinity);
  const doc = view.state.doc;
  // Lines after the step that are not indented deeper than it belong to something else.
  const dash = /^(\s*)/.exec(doc.line(best).text)[1].length;
  for (let n = best + 1; n <= Math.min(line, doc.lines); n++) {
    if (n >= nextStart) return 0;
    const t = doc.line(n).text;
    if (t.trim() && !t.trim().startsWith("#") && /^(\s*)/.exec(t)[1].length <= dash) return 0;
  }
  return best;
}

function onCursor() {
  chart.highlightLine(stepLineAt(cursorLine()));
}

function goToLine(line) {
  const doc = view.state.doc;
  const target = doc.line(Math.min(Math.max(line, 1), doc.lines));
  const col = /^\s*(- )?/.exec(target.text)[0].length;
  view.dispatch({ selection: { anchor: target.from + col }, scrollIntoView: true });
  view.focus();
}

// -- chart, controls -------------------------------------------------------------------------

const chart = new Chart($("chart"), $("tooltip"), (block) => { if (block.line) goToLine(block.line); });

function drawChart(timeline) {
  chart.render(timeline, state.steps);
  $("total").textContent = "total " + clock(timeline.duration_s);
  $("total").dataset.seconds = String(timeline.duration_s);
  onCursor();
}

function setRange(range, duration) {
  showRange(range, duration, clock);
}

const opened = [];
const careHooks = {
  key: KEY, api, status, clock, renderFiles, openFile,
  name: () => state.name,
  dirty: () => !state.readonly && view.state.doc.toString() !== state.saved,
  save: () => save(false),
  onOpen: (fn) => opened.push(fn),
  closed: () => {
    Object.assign(state, { name: null, builtin: null, version: null, saved: "" });
    localStorage.removeItem(KEY + "last");
    $("file-name").textContent = "no routine open";
    load("", true);
    notice(null);
    opened.forEach((fn) => fn());
  },
};
initCare(careHooks); // before the controls' own listeners: pace lets the length go first
/** Checks again now (a control changed; the text did not, so the linter would not run). */
async function recheck() {
  const found = await runCheck(view);
  view.dispatch(setDiagnostics(view.state, found));
}
$("length").addEventListener("change", recheck);
$("pace").addEventListener("change", recheck);
$("detail").addEventListener("change", recheck);
$("seed").addEventListener("change", recheck);

async function loadVoices() {
  const res = await api("/api/voices");
  if (!res.ok) return;
  state.voices = res.data.voices;
  fillVoices();
}

function fillVoices() {
  const select = $("voice");
  const keep = select.dataset.want !== undefined ? select.dataset.want : select.value;
  const lang = (state.timeline && state.timeline.language) || "en";
  select.length = 1;
  for (const v of state.voices) {
    const base = (tag) => tag.replace("_", "-").split("-")[0].toLowerCase();
    if (base(v.language) !== base(lang)) continue;
    const opt = document.createElement("option");
    opt.value = v.engine + "|" + v.name;
    opt.textContent = `${v.engine} · ${v.name} — ${v.description}`;
    select.appendChild(opt);
  }
  select.value = keep;
}
$("voice").addEventListener("focus", fillVoices);

// -- files ----------------------------------------------------------------------------------

function renderFiles(files, builtins) {
  const list = $("files");
  list.textContent = "";
  for (const name of files) list.appendChild(fileButton(name, () => openFile(name), name === state.name));
  if (builtins) {
    const b = $("builtins");
    b.textContent = "";
    for (const id of builtins) b.appendChild(fileButton(id, () => openBuiltin(id), id === state.builtin));
  }
}

function fileButton(label, onClick, open) {
  const li = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.dataset.name = label;
  button.className = open ? "open" : "";
  button.addEventListener("click", onClick);
  li.appendChild(button);
  return li;
}

async function refreshFiles() {
  const res = await api("/api/files");
  if (res.ok) renderFiles(res.data.files, res.data.builtins);
}

function confirmLeave() {
  const dirty = !state.readonly && view.state.doc.toString() !== state.saved;
  return !dirty || state.name; // drafts of files are kept in the browser anyway
}

async function openFile(name) {
  if (!confirmLeave()) return;
  const res = await api("/api/file?name=" + encodeURIComponent(name));
  if (!res.ok) { status(res.data.error); return; }
  Object.assign(state, { name, builtin: null, version: res.data.version, saved: res.data.text });
  hideConflict();
  $("file-name").textContent = name;
  $("copy-builtin").hidden = true;
  localStorage.setItem(KEY + "last", JSON.stringify({ name }));
  restoreControls(careHooks, name);
  opened.forEach((fn) => fn());
  const draft = JSON.parse(localStorage.getItem(KEY + "draft:" + name) || "null");
  if (draft && draft.text !== res.data.text) {
    state.version = draft.version;
    load(draft.text, false);
    notice("Restored your unsaved draft of " + name + ".", "Discard draft", () => {
      localStorage.removeItem(KEY + "draft:" + name);
      state.version = res.data.version;
      load(res.data.text, false);
      notice(null);
    });
  } else {
    load(res.data.text, false);
    notice(null);
  }
  if (/^format:\s*["']?voicecoach\/programme\//m.test(res.data.text)) {  // a programme file
    notice("A programme: see its calendar, each phase's chart, build and share.", "Open the programme",
      () => { location.href = "/programme?name=" + encodeURIComponent(name); });
  }
  renderFiles([...document.querySelectorAll("#files button")].map((b) => b.dataset.name));
}

async function openBuiltin(id) {
  const res = await api("/api/file?builtin=" + encodeURIComponent(id));
  if (!res.ok) { status(res.data.error); return; }
  Object.assign(state, { name: null, builtin: id, version: null, saved: res.data.text });
  hideConflict();
  $("file-name").textContent = id + " (template)";
  $("copy-builtin").hidden = false;
  localStorage.setItem(KEY + "last", JSON.stringify({ builtin: id }));
  load(res.data.text, true);
  opened.forEach((fn) => fn());
  notice("A built-in template: copy it to your folder to change it.");
  refreshFiles();
}

$("copy-builtin").addEventListener("click", async () => {
  const res = await api("/api/new", { builtin: state.builtin });
  if (!res.ok) { status(res.data.error); return; }
  renderFiles(res.data.files);
  await openFile(res.data.name);
  status("copied to " + res.data.name);
});

$("new-routine").addEventListener("click", async () => {
  const res = await api("/api/new", { name: "my-routine" });
  if (!res.ok) { status(res.data.error); return; }
  renderFiles(res.data.files);
  await openFile(res.data.name);
  status("made " + res.data.name);
});

function notice(text, action, onAction) {
  const box = $("notice");
  box.textContent = "";
  box.hidden = !text;
  if (!text) return;
  box.appendChild(document.createTextNode(text + " "));
  if (action) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = action;
    b.addEventListener("click", onAction);
    box.appendChild(b);
  }
}

// -- saving -----------------------------------------------------------------------------------

let theirs = null;

async function save(force) {
  if (!state.name || state.readonly) return false;
  const text = view.state.doc.toString();
  const res = await api("/api/save", { name: state.name, text, version: state.version, force });
  if (res.status === 409) {
    theirs = res.data;
    $("conflict").hidden = false;
    status("not saved: the file changed on disk");
    return false;
  }
  if (!res.ok) {  // the draft stays in the editor (and in this browser's storage)
    status(res.data.error ? res.data.error + (res.data.hint ? " — " + res.data.hint : "") : "save failed");
    return false;
  }
  state.version = res.data.version;
  state.saved = text;
  localStorage.removeItem(KEY + "draft:" + state.name);
  hideConflict();
  notice(null); // a restored draft is saved now: nothing is left to discard
  onEdit(true);
  status("saved " + state.name);
  return true;
}

function hideConflict() {
  $("conflict").hidden = true;
  $("theirs-pane").hidden = true;
}

$("save").addEventListener("click", () => save(false));
$("keep-mine").addEventListener("click", () => save(true));
$("reload-theirs").addEventListener("click", () => {
  if (!theirs) return;
  state.version = theirs.version;
  state.saved = theirs.theirs;
  localStorage.removeItem(KEY + "draft:" + state.name);
  load(theirs.theirs, false);
  hideConflict();
  notice(null);
  status("reloaded from disk");
});
$("show-both").addEventListener("click", () => {
  if (!theirs) return;
  $("theirs").textContent = theirs.theirs;
  $("theirs-pane").hidden = false;
});
$("close-theirs").addEventListener("click", () => { $("theirs-pane").hidden = true; });

// -- problems ---------------------------------------------------------------------------------

function showProblems(problems) {
  const list = $("problems");
  list.textContent = "";
  for (const p of problems) {
    const li = document.createElement("li");
    li.className = p.severity;
    li.dataset.line = String(p.line);
    const sev = document.createElement("span");
    sev.className = "sev";
    sev.textContent = p.severity === "error" ? "✖ " : "⚠ ";
    const where = document.createElement("span");
    where.className = "where";
    where.textContent = p.line ? `${p.line}:${p.col}` : "";
    li.append(sev, where, document.createTextNode(p.message));
    if (p.hint) {
      const hint = document.createElement("span");
      hint.className = "hint";
      hint.textContent = "hint: " + p.hint;
      li.appendChild(hint);
    }
    li.addEventListener("click", () => p.line && goToLine(p.line));
    list.appendChild(li);
  }
  $("play-here").disabled = problems.some((p) => p.severity === "error" && !state.timeline);
}

// -- add step ---------------------------------------------------------------------------------

$("add-step").addEventListener("change", (ev) => {
  const kind = ev.target.value;
  ev.target.value = "";
  if (!kind || state.readonly) return;
  const ins = stepInsertion(view.state.doc, view.state.selection.main.head, kind);
  view.dispatch({ changes: { from: ins.from, insert: ins.insert }, selection: { anchor: ins.cursor },
    scrollIntoView: true });
  view.focus();
});

// -- jobs: play, build, share -----------------------------------------------------------------

function follow(job, onProgress) {
  return new Promise((resolve) => {
    const events = new EventSource(`/api/jobs/${job.id}/events`);
    events.onmessage = (m) => {
      const snap = JSON.parse(m.data);
      onProgress(snap);
      if (snap.state === "done" || snap.state === "failed") { events.close(); resolve(snap); }
    };
    events.onerror = () => { events.close(); resolve({ state: "failed", error: "connection lost" }); };
  });
}

function request() {
  return { ...source(), text: view.state.doc.toString(), ...controls() };
}

let prepareTimer = null;
/** Builds the preview of the current draft when the typing stops (superseded if stale). */
function schedulePrepare() {
  clearTimeout(prepareTimer);
  prepareTimer = setTimeout(() => api("/api/play", request()), PREPARE_DELAY_MS);
}

$("play-here").addEventListener("click", async () => {
  clearTimeout(prepareTimer);
  const line = stepLineAt(cursorLine());
  const clicked = performance.now();
  status("preparing audio…");
  const res = await api("/api/play", request());
  if (!res.ok) { status(res.data.error); return; }
  const snap = res.data.state === "done" ? res.data :
    await follow(res.data, (s) => status("preparing audio… " + progressText(s)));
  if (snap.state !== "done") { status(snap.error || "failed"); return; }
  const timeline = snap.result.timeline;
  const blocks = stepBlocks(timeline, state.steps);
  const from = blocks.find((b) => line && b.line === line);
  const audio = $("audio");
  state.playing = { timeline, blocks };
  drawChart(timeline);
  audio.src = snap.result.audio;
  audio.currentTime = from ? from.start_s : 0;
  audio.addEventListener("playing", () => {
    document.body.dataset.soundAfterMs = String(Math.round(performance.now() - clicked));
  }, { once: true });
  await audio.play().catch((e) => status("cannot play: " + e.message));
  $("stop").disabled = false;
  status(from ? `playing from line ${line}` : "playing from the start");
  requestAnimationFrame(tick);
});

function tick() {
  const audio = $("audio");
  if (!state.playing) return;
  const t = audio.currentTime;
  chart.showPlayhead(t);
  const block = state.playing.blocks.find((b) => t >= b.start_s && t < b.end_s);
  const line = block ? block.line : 0;
  if (line !== state.playingLine) {
    state.playingLine = line;
    markLines(view, line ? [line] : [], "cm-playing");
    chart.highlightLine(line, "playing");
  }
  const said = state.playing.timeline.events.filter((e) => e.kind === "speech" && e.start_s <= t).pop();
  $("now").textContent = said ? said.text : "";
  if (!audio.paused && !audio.ended) requestAnimationFrame(tick);
}

$("stop").addEventListener("click", () => {
  const audio = $("audio");
  audio.pause();
  state.playing = null;
  state.playingLine = 0;
  markLines(view, [], "cm-playing");
  chart.showPlayhead(null);
  $("stop").disabled = true;
  if (state.timeline) drawChart(state.timeline);
});

$("build").addEventListener("click", async () => {
  const bar = $("progress");
  const out = $("build-result");
  out.textContent = "";
  const res = await api("/api/build", request());
  if (!res.ok) { out.textContent = res.data.error; return; }
  bar.hidden = false;
  const snap = await follow(res.data, (s) => {
    bar.max = s.total || 1;
    bar.value = s.done;
    bar.dataset.updates = String(Number(bar.dataset.updates || 0) + 1);
    bar.title = progressText(s);
    $("build-result").textContent = progressText(s);
  });
  bar.hidden = true;
  out.textContent = "";
  if (snap.state !== "done") { out.className = "error-text"; out.textContent = snap.error; return; }
  out.className = "";
  out.appendChild(downloadLink(snap.result.file, `Download ${snap.result.file} (${clock(snap.result.duration_s)})`));
});

function downloadLink(file, label) {
  const a = document.createElement("a");
  a.href = "/files/" + file.split("/").map(encodeURIComponent).join("/");
  a.download = file.split("/").pop();
  a.textContent = label;
  a.id = "download-" + (file.endsWith(".zip") ? "zip" : "audio");
  return a;
}

$("share-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const out = $("share-result");
  out.textContent = "making the share zip…";
  const res = await api("/api/share", {
    ...request(), client: $("client").value, note: $("note").value, base_url: $("base-url").value,
  });
  if (!res.ok) { out.textContent = res.data.error; return; }
  const snap = await follow(res.data, (s) => { out.textContent = "making the share zip… " + progressText(s); });
  out.textContent = "";
  if (snap.state !== "done") { out.className = "error-text"; out.textContent = snap.error; return; }
  out.className = "";
  const note = document.createElement("p");
  note.id = "share-phone";
  note.textContent = snap.result.phone;
  if (snap.result.qr) {  // only ever the hosted page's address, never the studio's
    const img = document.createElement("img");
    img.src = snap.result.qr;
    img.alt = "QR code of " + snap.result.qr_url;
    img.id = "share-qr";
    out.append(img);
  }
  out.append(note, downloadLink(snap.result.file, "Download " + snap.result.file.split("/").pop()));
});

// -- publish: the share folder uploaded to the clinic's web space --------------------------------

$("publish").addEventListener("click", async () => {
  const out = $("share-result");
  out.className = "";
  const target = $("publish-url").value.trim();
  if (!target) { out.textContent = "Write where to publish, e.g. webdav+https://dav.example.org/ana/"; return; }
  out.textContent = "making the share folder…";
  const res = await api("/api/share", {
    ...request(), client: $("client").value, note: $("note").value, base_url: $("base-url").value,
    publish: target,
  });
  if (!res.ok) { out.className = "error-text"; out.textContent = res.data.error; return; }
  const snap = await follow(res.data, (s) => {
    out.textContent = s.stage === "upload"
      ? `uploading… ${(s.done / 1e6).toFixed(1)} of ${(s.total / 1e6).toFixed(1)} MB`
      : `making the share folder… ${s.stage} ${s.done}/${s.total}`;
  });
  out.textContent = "";
  if (snap.state !== "done") { out.className = "error-text"; out.textContent = snap.error; return; }
  const p = snap.result.published;
  const line = document.createElement("p");
  line.id = "publish-done";
  line.textContent = `Published ${p.uploaded} files (${p.unchanged} unchanged) to ${p.target}`;
  out.append(line);
  if (p.address) {
    const img = document.createElement("img");
    img.src = snap.result.qr;
    img.alt = "QR code of the published page";
    img.id = "share-qr";
    const a = document.createElement("a");
    a.href = p.address;
    a.textContent = p.address;
    a.rel = "noreferrer";
    a.id = "publish-address";
    out.append(img, a);
  }
});

// -- hand over: the share folder served to a phone on this network for a while ----------------

let handoverTimer = null;

function showHandover(state) {
  clearInterval(handoverTimer);
  $("handover-panel").hidden = !state.active;
  if (!state.active) return;
  $("handover-qr").src = state.qr;
  $("handover-url").href = state.url;
  $("handover-url").textContent = state.url;
  const ends = Date.now() + state.remaining_s * 1000;
  const tick = () => {
    const left = Math.max(0, Math.round((ends - Date.now()) / 1000));
    $("handover-left").textContent = `${clock(left)} left`;
    if (left === 0) { clearInterval(handoverTimer); $("handover-panel").hidden = true; }
  };
  tick();
  handoverTimer = setInterval(tick, 1000);
}

$("handover").addEventListener("click", async () => {
  const out = $("share-result");
  out.className = "";
  out.textContent = "making the share folder…";
  const res = await api("/api/share", {
    ...request(), client: $("client").value, note: $("note").value, base_url: $("base-url").value,
    zip: false,
  });
  if (!res.ok) { out.textContent = res.data.error; return; }
  const snap = await follow(res.data, (s) => { out.textContent = `making the share folder… ${s.stage} ${s.done}/${s.total}`; });
  if (snap.state !== "done") { out.className = "error-text"; out.textContent = snap.error; return; }
  const started = await api("/api/handover/start", { job: snap.id });
  if (!started.ok) { out.className = "error-text"; out.textContent = started.data.error; return; }
  out.textContent = "Scan the code with the client's phone (same Wi-Fi); it keeps the session.";
  showHandover(started.data);
});

$("handover-stop").addEventListener("click", async () => {
  const res = await api("/api/handover/stop", {});
  showHandover(res.ok ? res.data : { active: false });
  $("share-result").textContent = "hand-over stopped";
});

// -- start --------------------------------------------------------------------------------------

renderFiles(DATA.files, DATA.builtins);
loadVoices();
const last = JSON.parse(localStorage.getItem(KEY + "last") || "null");
if (last && last.name && DATA.files.includes(last.name)) openFile(last.name);
else if (last && last.builtin) openBuiltin(last.builtin);
else if (DATA.files.length) openFile(DATA.files[0]);
recordPanel = initRecord({
  source,
  text: () => view.state.doc.toString(),
  setText: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
  save: () => (view.state.doc.toString() === state.saved ? Promise.resolve(true) : save(false)),
  controls,
  status,
});

window.studio = { view, state, chart, goToLine, recordPanel };
