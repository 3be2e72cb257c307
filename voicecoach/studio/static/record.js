// voicecoach studio: the Record panel. Lists every line the session says, each recorded or
// missing; records the selected line with the microphone (MediaRecorder), plays it back,
// re-records, deletes. Keys inside the panel: R records the selected line, Space stops,
// Down/Up move through the lines, so a routine can be recorded in one pass.
// Line texts are only ever set with textContent.

const $ = (id) => document.getElementById(id);

/**
 * hooks: { source(): {name}|{builtin}, text(): string, setText(text), save(): Promise<bool>,
 *          controls(): object, status(text) }
 */
export function initRecord(hooks) {
  const panel = $("record-panel");
  const list = $("rec-lines");
  const st = { lines: [], selected: 0, named: true, recorder: null, stream: null, meter: null,
    audio: null, busy: false, readonly: false };

  function line() { return st.lines[st.selected]; }

  async function post(path, body) {
    const res = await fetch(path, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
    });
    let data = {};
    try { data = await res.json(); } catch (_) { /* empty */ }
    return { ok: res.ok, data };
  }

  function note(text, isError) {
    const p = $("rec-note");
    p.textContent = text;
    p.classList.toggle("error-text", Boolean(isError));
  }

  async function refresh() {
    if (!panel.open) return;
    const src = hooks.source();
    st.readonly = Boolean(src.builtin);
    if (!src.name && !src.builtin) { render(); return; }
    const res = await post("/api/recordings/lines", {
      ...src, text: hooks.text(), cues: $("rec-cues").checked, ...hooks.controls(),
    });
    if (!res.ok) { note(res.data.error || "cannot list the lines", true); return; }
    const keep = line() && line().text;
    st.lines = res.data.lines;
    st.named = res.data.named;
    const again = st.lines.findIndex((l) => l.text === keep);
    st.selected = again >= 0 ? again : Math.min(st.selected, Math.max(st.lines.length - 1, 0));
    render();
    $("rec-count").textContent = `${res.data.recorded} of ${st.lines.length} recorded`;
    if (st.readonly) note("Copy this template to your folder to record it in your voice.");
    else if (!st.named) note("The first recording adds `recordings: recordings/` to the routine's voice.");
    else note("");
  }

  function render() {
    list.replaceChildren();
    st.lines.forEach((l, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = `rec-line-${i}`;
      li.className = (l.recorded ? "recorded" : "missing") + (l.kind === "cue" ? " cue" : "");
      li.setAttribute("aria-selected", String(i === st.selected));
      const mark = document.createElement("span");
      mark.className = "mark";
      mark.textContent = l.recorded ? `● ${l.take.length_s.toFixed(1)} s` : "○ missing";
      const text = document.createElement("span");
      text.className = "text";
      text.textContent = l.text;
      li.append(mark, text);
      li.addEventListener("click", () => { select(i); list.focus(); });
      list.append(li);
    });
    if (st.lines.length) list.setAttribute("aria-activedescendant", `rec-line-${st.selected}`);
    const l = line();
    $("rec-record").disabled = st.readonly || !l || Boolean(st.recorder);
    $("rec-stop").disabled = !st.recorder;
    $("rec-play").disabled = !l || !l.recorded;
    $("rec-delete").disabled = st.readonly || !l || !l.recorded;
  }

  function select(i) {
    if (!st.lines.length) return;
    st.selected = Math.max(0, Math.min(st.lines.length - 1, i));
    render();
    const el = $(`rec-line-${st.selected}`);
    if (el) el.scrollIntoView({ block: "nearest" });
  }

  async function ensureNamed() {
    if (st.named) return hooks.save();
    const res = await post("/api/recordings/name", { text: hooks.text() });
    if (!res.ok) { note(res.data.error || "cannot name the recordings folder", true); return false; }
    hooks.setText(res.data.text);
    st.named = true;
    return hooks.save();
  }

  async function start() {
    const l = line();
    if (!l || st.recorder || st.readonly || st.busy) return;
    if (!(await ensureNamed())) { note("Save the routine first: recordings sit beside it.", true); return; }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (err) {
      note(`No microphone: ${err.message || err}`, true);
      return;
    }
    const chunks = [];
    const recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", (ev) => { if (ev.data.size) chunks.push(ev.data); });
    recorder.addEventListener("stop", () => upload(l, new Blob(chunks, { type: recorder.mimeType })));
    st.recorder = recorder;
    st.stream = stream;
    meter(stream);
    recorder.start();
    panel.dataset.recording = "1";
    note(`Recording: “${l.text}” — Space stops.`);
    render();
  }

  function meter(stream) {
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    const bar = $("rec-level");
    let frame = 0;
    const draw = () => {
      analyser.getFloatTimeDomainData(buf);
      let peak = 0;
      for (const v of buf) peak = Math.max(peak, Math.abs(v));
      // dBFS from -60 to 0 on the bar; red near the top.
      const db = peak > 0 ? 20 * Math.log10(peak) : -60;
      bar.value = Math.max(0, (db + 60) / 60);
      frame = requestAnimationFrame(draw);
    };
    draw();
    st.meter = () => { cancelAnimationFrame(frame); bar.value = 0; ctx.close(); };
  }

  function stop() {
    if (!st.recorder) return;
    st.recorder.stop();
    st.stream.getTracks().forEach((t) => t.stop());
    if (st.meter) st.meter();
    st.recorder = null;
    st.stream = null;
    st.meter = null;
    delete panel.dataset.recording;
    render();
  }

  async function upload(l, blob) {
    st.busy = true;
    note("Cleaning and saving the take…");
    const q = new URLSearchParams({ ...hooks.source(), line: l.text, force: l.recorded ? "1" : "0" });
    const res = await fetch(`/api/recordings/take?${q}`, {
      method: "POST", headers: { "content-type": blob.type || "application/octet-stream" }, body: blob,
    });
    let data = {};
    try { data = await res.json(); } catch (_) { /* empty */ }
    st.busy = false;
    if (!res.ok) { note(data.error + (data.hint ? ` (${data.hint})` : ""), true); return; }
    panel.dataset.takes = String(Number(panel.dataset.takes || 0) + 1);
    await refresh();
    note((data.warnings || []).join(" ") || `Saved “${l.text}”. Down goes to the next line.`,
      Boolean((data.warnings || []).length));
  }

  function play() {
    const l = line();
    if (!l || !l.recorded) return;
    const q = new URLSearchParams({ ...hooks.source(), line: l.text, v: l.take.file });
    if (st.audio) st.audio.pause();
    st.audio = new Audio(`/api/recordings/audio?${q}`);
    st.audio.play();
  }

  async function remove() {
    const l = line();
    if (!l || !l.recorded) return;
    const res = await post("/api/recordings/delete", { ...hooks.source(), line: l.text });
    if (!res.ok) { note(res.data.error || "cannot delete", true); return; }
    await refresh();
    note(`Deleted the take of “${l.text}”; the voice says it again.`);
  }

  list.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") { select(st.selected + 1); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { select(st.selected - 1); ev.preventDefault(); }
    else if (ev.key === "r" || ev.key === "R") { start(); ev.preventDefault(); }
    else if (ev.key === " ") { if (st.recorder) stop(); else play(); ev.preventDefault(); }
    else if (ev.key === "Delete") { remove(); ev.preventDefault(); }
  });
  $("rec-record").addEventListener("click", start);
  $("rec-stop").addEventListener("click", stop);
  $("rec-play").addEventListener("click", play);
  $("rec-delete").addEventListener("click", remove);
  $("rec-cues").addEventListener("change", refresh);
  panel.addEventListener("toggle", refresh);
  return { refresh };
}
