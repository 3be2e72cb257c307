// The timeline chart: sections as bands, one block per performed step sized by its time,
// speech / countdowns / breathing / chimes marked, chapters and side switches labelled.
// Routine text only ever reaches the page through textContent (never innerHTML).

const SVG = "http://www.w3.org/2000/svg";
let W = 1000;
const ROWS = { chapters: 14, band: 22, blocks: 42, marks: 108, breath: 124, axis: 150 };
const H = 166;

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

export function clock(s) {
  const whole = Math.floor(s);
  const h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), sec = whole % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return (h ? h + ":" : "") + mm + ":" + String(sec).padStart(2, "0");
}

/** The performed steps as time blocks: [{index, line, kind, start_s, end_s, texts}]. */
export function stepBlocks(timeline, steps) {
  const events = timeline.events;
  const first = new Map(), last = new Map(), texts = new Map(), lines = new Map();
  for (const e of events) {
    if (e.step === undefined || e.step === null) continue;
    if (!first.has(e.step)) first.set(e.step, e.start_s);
    last.set(e.step, Math.max(last.get(e.step) || 0, e.end_s));
    if (e.kind === "speech" && e.text) (texts.get(e.step) || texts.set(e.step, []).get(e.step)).push(e.text);
    if (e.line) lines.set(e.step, e.line);
  }
  const count = Math.max(steps.length, ...[...first.keys()].map((i) => i + 1));
  const blocks = [];
  let cursor = 0;
  for (let i = 0; i < count; i++) {
    const info = steps[i] || {};
    let start = first.has(i) ? first.get(i) : cursor;
    blocks.push({ index: i, line: lines.get(i) || info.line || 0, kind: info.kind || "other",
      start_s: start, end_s: last.has(i) ? last.get(i) : start, texts: texts.get(i) || [],
      section: info.section || "", side: info.side || "" });
    if (last.has(i)) cursor = last.get(i);
  }
  // Each block runs until the next thing that is not part of it starts.
  const starts = events.filter((e) => e.step === undefined || e.step === null).map((e) => e.start_s);
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i];
    const next = blocks.slice(i + 1).find((n) => n.start_s >= b.start_s && first.has(n.index));
    let end = next ? next.start_s : timeline.duration_s;
    for (const s of starts) if (s > b.start_s + 0.01 && s < end && s >= b.end_s - 0.01) { end = s; break; }
    if (!first.has(i)) {
      // A pause: the silence up to the next step.
      b.end_s = Math.max(b.start_s, next ? next.start_s : end);
      const after = starts.find((s) => s >= b.start_s + 0.01);
      if (after !== undefined && after < b.end_s) b.end_s = after;
    } else {
      b.end_s = Math.max(b.end_s, end);
    }
  }
  return blocks;
}

export class Chart {
  constructor(host, tooltip, onPick) {
    this.host = host;
    this.tooltip = tooltip;
    this.onPick = onPick;
    this.blocks = [];
    this.duration = 0;
    this.playhead = null;
  }

  x(t) { return this.duration ? (t / this.duration) * W : 0; }

  render(timeline, steps) {
    this.host.textContent = "";
    if (!timeline) return;
    this.duration = Math.max(timeline.duration_s, 0.001);
    W = Math.max(300, this.host.clientWidth - 2);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img" });
    svg.style.height = H + "px";
    this.blocks = stepBlocks(timeline, steps || []);
    // Section bands: from a section's first block to its last.
    const palette = ["#eef3fb", "#f3eefb", "#eefbf3", "#fbf6ee"];
    const bySection = [];
    for (const b of this.blocks) {
      const name = b.section || sectionAt(timeline, b.start_s);
      const cur = bySection[bySection.length - 1];
      if (cur && cur.name === name) cur.end = b.end_s;
      else bySection.push({ name, start: b.start_s, end: b.end_s });
    }
    bySection.forEach((s, i) => {
      const r = el("rect", { class: "band", x: this.x(s.start), y: ROWS.band, height: H - ROWS.band - 22,
        width: Math.max(1, this.x(s.end) - this.x(s.start)), fill: palette[i % palette.length] }, svg);
      this.hover(r, () => s.name);
    });
    timeline.chapters.forEach((c, i) => {
      el("line", { class: "chapter", x1: this.x(c.start_s), x2: this.x(c.start_s), y1: 2, y2: H - 16 }, svg);
      const t = el("text", { class: "chapter-label", x: this.x(c.start_s) + 2, y: ROWS.chapters - 3 }, svg);
      // Shortened to the room before the next chapter (the tooltip of its band has it all).
      const next = timeline.chapters[i + 1];
      const room = (next ? this.x(next.start_s) : W) - this.x(c.start_s) - 4;
      const fits = Math.max(0, Math.floor(room / 5.2));
      t.textContent = c.title.length <= fits ? c.title : c.title.slice(0, Math.max(0, fits - 1)) + "…";
    });
    this.rects = new Map();
    for (const b of this.blocks) {
      const r = el("rect", { class: `block ${b.kind}`, x: this.x(b.start_s), y: ROWS.blocks,
        width: Math.max(2, this.x(b.end_s) - this.x(b.start_s)), height: 56, rx: 2,
        "data-step": b.index, "data-line": b.line }, svg);
      this.hover(r, () => `${b.kind} · line ${b.line} · ${clock(b.start_s)}–${clock(b.end_s)}` +
        (b.texts.length ? "\n" + b.texts.join("\n") : ""));
      r.addEventListener("click", () => this.onPick(b));
      this.rects.set(b.index, r);
    }
    let lastSide = null;
    for (const e of timeline.events) {
      const x = this.x(e.start_s), w = Math.max(1.5, this.x(e.end_s) - x);
      let mark;
      if (e.kind === "speech") {
        mark = el("rect", { class: e.cue === "countdown" ? "countdown" : "speech", x, y: ROWS.marks,
          width: w, height: 8 }, svg);
      } else if (e.kind === "breath_in" || e.kind === "breath_hold" || e.kind === "breath_out") {
        mark = el("rect", { class: e.kind, x, y: ROWS.breath, width: w, height: 6 }, svg);
      } else if (e.kind === "tick") {
        mark = el("rect", { class: "tick", x, y: ROWS.breath, width: 1.5, height: 6 }, svg);
      } else {
        mark = el("circle", { class: "chime-mark", cx: x, cy: ROWS.marks + 4, r: 4 }, svg);
      }
      this.hover(mark, () => `${clock(e.start_s)} ${e.kind}${e.cue ? " (" + e.cue + ")" : ""}` +
        (e.text ? "\n" + e.text : e.sound ? "\n" + e.sound : ""));
      if (e.cue === "side" && e.side && e.side !== lastSide) {
        lastSide = e.side;
        const t = el("text", { class: "side-label", x: x + 2, y: ROWS.band + 12 }, svg);
        t.textContent = `side: ${e.side}`;
      }
    }
    const axis = el("g", { class: "axis" }, svg);
    const step = niceStep(this.duration);
    for (let t = 0; t <= this.duration + 0.01; t += step) {
      el("line", { x1: this.x(t), x2: this.x(t), y1: ROWS.axis - 4, y2: ROWS.axis, stroke: "#aaa" }, axis);
      const label = el("text", { x: Math.min(this.x(t) + 2, W - 30), y: ROWS.axis + 10 }, axis);
      label.textContent = clock(t);
    }
    this.playhead = el("line", { class: "playhead", x1: 0, x2: 0, y1: 0, y2: H, visibility: "hidden" }, svg);
    this.svg = svg;
    this.host.appendChild(svg);
  }

  hover(node, text) {
    node.addEventListener("mousemove", (ev) => {
      this.tooltip.textContent = text();
      this.tooltip.hidden = false;
      this.tooltip.style.left = ev.clientX + 12 + "px";
      this.tooltip.style.top = ev.clientY + 12 + "px";
    });
    node.addEventListener("mouseleave", () => { this.tooltip.hidden = true; });
  }

  /** Outlines the blocks made by the step at ``line`` (both sides of a sided step). */
  highlightLine(line, cls = "current") {
    for (const [i, r] of this.rects || []) {
      const b = this.blocks[i];
      r.classList.toggle(cls, Boolean(line) && b.line === line);
    }
  }

  blockAt(t) {
    return this.blocks.find((b) => t >= b.start_s && t < b.end_s) || null;
  }

  showPlayhead(t) {
    if (!this.playhead) return;
    if (t === null) { this.playhead.setAttribute("visibility", "hidden"); return; }
    this.playhead.setAttribute("visibility", "visible");
    this.playhead.setAttribute("x1", this.x(t));
    this.playhead.setAttribute("x2", this.x(t));
  }
}

function sectionAt(timeline, t) {
  let name = "";
  for (const e of timeline.events) { if (e.start_s > t) break; if (e.section) name = e.section; }
  return name;
}

function niceStep(total) {
  for (const s of [10, 30, 60, 120, 300, 600, 900, 1800, 3600]) if (total / s <= 10) return s;
  return 7200;
}
