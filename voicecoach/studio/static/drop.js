// voicecoach studio: check-in files dropped on the window (or chosen) go to /api/checkins,
// one request per file; each answer says imported, already imported, or refused and why.
// Files over the limit are refused here without being sent (the server refuses them too).

export const MAX_FILE_BYTES = 1_000_000;

async function sendOne(file) {
  if (file.size > MAX_FILE_BYTES) {
    return { name: file.name, status: "refused", reason: "too large",
      detail: `over ${MAX_FILE_BYTES.toLocaleString("en")} bytes; a check-in is small` };
  }
  const res = await fetch("/api/checkins", {
    method: "POST", headers: { "content-type": "application/octet-stream", "x-file-name": encodeURIComponent(file.name).slice(0, 600) },
    body: file,
  });
  let data = {};
  try { data = await res.json(); } catch (_) { /* not JSON */ }
  if (res.status === 200 || res.status === 422) { return { ...data, name: file.name }; }
  return { name: file.name, status: "refused", reason: `HTTP ${res.status}`, detail: data.error || "" };
}

export function describe(o) {
  if (o.status === "imported") {
    return `imported ${o.name}: ${o.client || "client"}, ${o.sessions} session${o.sessions === 1 ? "" : "s"}`;
  }
  if (o.status === "already") { return `already imported ${o.name} (nothing changed)`; }
  return `refused ${o.name}: ${o.reason}: ${o.detail}`;
}

export async function importFiles(files) {
  const out = [];
  for (const file of files) { out.push(await sendOne(file)); }
  return out;
}

// Drop anywhere on the window: files only (text dragged inside the editor is left alone).
export function acceptDrops(onResults) {
  const hasFiles = (ev) => ev.dataTransfer && Array.from(ev.dataTransfer.types || []).includes("Files");
  window.addEventListener("dragover", (ev) => {
    if (!hasFiles(ev)) { return; }
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "copy";
    document.body.classList.add("dropping");
  });
  window.addEventListener("dragleave", (ev) => {
    if (ev.relatedTarget === null) { document.body.classList.remove("dropping"); }
  });
  window.addEventListener("drop", async (ev) => {
    if (!hasFiles(ev)) { return; }
    ev.preventDefault();
    document.body.classList.remove("dropping");
    onResults(await importFiles(Array.from(ev.dataTransfer.files)));
  });
}
