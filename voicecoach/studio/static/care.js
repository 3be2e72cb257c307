// voicecoach studio: the folder's care around the editor. Who the therapist is (asked once,
// kept in the folder's settings), renaming and deleting a routine, the controls (length,
// pace, seed, voice) remembered per routine, and progress as a percentage.
// Every element is made here and every text is set via textContent.

const $ = (id) => document.getElementById(id);

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

/** A job's progress for a person: "mixing 42%", never raw sample counts or "0/0". */
export function progressText(snap) {
  const stage = snap.stage || "starting";
  if (!snap.total) return stage + "…";
  const pct = Math.max(0, Math.min(100, Math.floor((100 * snap.done) / snap.total)));
  return `${stage} ${pct}%`;
}

// -- length and pace -------------------------------------------------------------------------

/** The length the therapist asked for (null: the routine's own, which follows the pace). */
let pinned = null;

export function pinnedLength() { return pinned; }

/** The slider and its read-out after a check: the same rounding as the total. */
export function showRange(range, duration, clock) {
  const input = $("length");
  if (!range) { input.disabled = true; return; }
  input.disabled = false;
  input.min = String(Math.floor(range.min_s));
  input.max = String(Math.ceil(range.max_s));
  input.step = "1";
  input.value = String(pinned === null ? Math.floor(duration) : pinned);
  $("length-out").textContent = clock(pinned === null ? duration : pinned);
  input.title = `between ${clock(range.min_s)} and ${clock(range.max_s)}`;
}

function controlsKey(hooks) {
  const name = hooks.name();
  return name ? hooks.key + "controls:" + name : null;
}

function rememberControls(hooks) {
  const key = controlsKey(hooks);
  if (!key) return;
  localStorage.setItem(key, JSON.stringify({
    length_s: pinned, pace: $("pace").value, seed: $("seed").value, voice: $("voice").value,
  }));
}

/** Puts back the controls last used with routine ``name`` (before it is checked). */
export function restoreControls(hooks, name) {
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(hooks.key + "controls:" + name) || "null"); }
  catch (_) { saved = null; }
  pinned = saved && Number.isFinite(saved.length_s) ? saved.length_s : null;
  $("pace").value = (saved && saved.pace) || "normal";
  if (!$("pace").value) $("pace").value = "normal";
  $("seed").value = (saved && saved.seed) || "";
  const voice = $("voice");
  voice.dataset.want = (saved && saved.voice) || "";
  voice.value = voice.dataset.want;
}

function initControls(hooks) {
  $("length").addEventListener("input", () => {
    pinned = Number($("length").value);
    $("length-out").textContent = hooks.clock(pinned);
  });
  $("length").addEventListener("change", () => rememberControls(hooks));
  // A new pace gives the routine its length at that pace: the pinned length is let go.
  $("pace").addEventListener("change", () => {
    if (pinned !== null) hooks.status("length follows the pace again");
    pinned = null;
    rememberControls(hooks);
  }, true);
  $("seed").addEventListener("change", () => rememberControls(hooks));
  $("voice").addEventListener("change", () => {
    $("voice").dataset.want = $("voice").value;
    rememberControls(hooks);
  });
}

// -- rename and delete ---------------------------------------------------------------------------

function initFileTools(hooks) {
  const bar = $("save").parentElement;
  const rename = el("button", { type: "button", id: "rename", hidden: "" }, "Rename");
  const del = el("button", { type: "button", id: "delete", hidden: "" }, "Delete");
  const form = el("form", { id: "rename-form", class: "inline", hidden: "" });
  const input = el("input", { id: "rename-to", "aria-label": "New name", autocomplete: "off" });
  form.append(input, el("button", { type: "submit", id: "rename-ok" }, "Rename"),
    el("button", { type: "button", id: "rename-cancel" }, "Cancel"));
  const sure = el("span", { id: "delete-confirm", class: "inline", hidden: "" });
  const yes = el("button", { type: "button", id: "delete-yes" }, "Yes, delete");
  const no = el("button", { type: "button", id: "delete-no" }, "Keep it");
  const question = el("span", { id: "delete-question" });
  sure.append(question, yes, no);
  $("save").after(rename, del, form, sure);

  hooks.onOpen(() => {
    const own = Boolean(hooks.name());
    rename.hidden = !own;
    del.hidden = !own;
    form.hidden = true;
    sure.hidden = true;
  });
  rename.addEventListener("click", () => {
    form.hidden = false;
    input.value = hooks.name().replace(/\.ya?ml$/, "");
    input.focus();
    input.select();
  });
  $("rename-cancel").addEventListener("click", () => { form.hidden = true; });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const old = hooks.name();
    if (hooks.dirty() && !(await hooks.save())) return;
    const res = await hooks.api("/api/rename", { name: old, to: input.value });
    if (!res.ok) { hooks.status(res.data.error || "not renamed"); return; }
    const moved = localStorage.getItem(hooks.key + "controls:" + old);
    if (moved !== null) localStorage.setItem(hooks.key + "controls:" + res.data.name, moved);
    localStorage.removeItem(hooks.key + "controls:" + old);
    hooks.renderFiles(res.data.files);
    await hooks.openFile(res.data.name);
    hooks.status(`renamed ${old} to ${res.data.name}`);
  });
  del.addEventListener("click", () => {
    question.textContent = `Delete ${hooks.name()}? `;
    sure.hidden = false;
    no.focus();
  });
  no.addEventListener("click", () => { sure.hidden = true; });
  yes.addEventListener("click", async () => {
    const name = hooks.name();
    const res = await hooks.api("/api/delete", { name });
    if (!res.ok) { hooks.status(res.data.error || "not deleted"); return; }
    localStorage.removeItem(hooks.key + "draft:" + name);
    localStorage.removeItem(hooks.key + "controls:" + name);
    hooks.closed();
    hooks.renderFiles(res.data.files);
    hooks.status(`deleted ${name} (kept in ${res.data.kept})`);
  });
}

// -- who the therapist is --------------------------------------------------------------------------

function initTherapist(hooks) {
  const box = el("form", { id: "therapist-form", class: "therapist", hidden: "" });
  const label = el("label", { for: "therapist-name",
    title: "Who is the therapist? Clients see this name on their page." }, "Therapist:");
  const input = el("input", { id: "therapist-name", autocomplete: "name", maxlength: "80",
    placeholder: "your name, as clients know you" });
  box.append(label, input, el("button", { type: "submit", id: "therapist-save" }, "Save"));
  const shown = el("button", { type: "button", id: "therapist", hidden: "",
    title: "the therapist's name, on new routines and shares" });
  document.querySelector(".bar .folder").after(shown, box);

  function show(name) {
    shown.hidden = !name;
    shown.textContent = name ? "Therapist: " + name : "";
    box.hidden = Boolean(name);
  }
  shown.addEventListener("click", () => {
    input.value = shown.textContent.replace(/^Therapist: /, "");
    box.hidden = false;
    shown.hidden = true;
    input.focus();
  });
  box.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const res = await hooks.api("/api/settings", { therapist: input.value });
    if (!res.ok) { hooks.status(res.data.error); return; }
    show(res.data.therapist);
    hooks.status("new routines and shares are by " + res.data.therapist);
  });
  hooks.api("/api/settings").then((res) => { if (res.ok) show(res.data.therapist); });
}

export function initCare(hooks) {
  initControls(hooks);
  initFileTools(hooks);
  initTherapist(hooks);
}
