// Autocompletion of keys, step kinds and enum values from the routine JSON Schema, and the
// commented step templates of the "add step" menu.

const STEP_KINDS = ["say", "pause", "hold", "repeat", "chime", "include"];

function deref(schema, node) {
  while (node && node.$ref) {
    node = node.$ref.replace(/^#\//, "").split("/").reduce((n, k) => n[k], schema);
  }
  return node || {};
}

function variants(schema, node) {
  node = deref(schema, node);
  const alts = node.anyOf || node.oneOf;
  return alts ? alts.flatMap((a) => variants(schema, a)) : [node];
}

function propertiesOf(schema, node) {
  const out = {};
  for (const v of variants(schema, node)) Object.assign(out, v.properties || {});
  return out;
}

function itemsOf(schema, node) {
  for (const v of variants(schema, node)) if (v.items) return v.items;
  return null;
}

/** The chain of keys (and list items) that contain the line at ``lineNo``. */
function parents(doc, lineNo, column) {
  const chain = [];
  let limit = column;
  for (let n = lineNo - 1; n >= 1 && limit > 0; n--) {
    const text = doc.line(n).text;
    if (!text.trim() || text.trim().startsWith("#")) continue;
    const m = /^(\s*)(- +)?([A-Za-z_][\w-]*)?\s*:?/.exec(text);
    const indent = m[1].length;
    const keyCol = indent + (m[2] ? m[2].length : 0);
    if (m[2] && indent < limit && keyCol >= limit) {
      // Our line is another key of the same list item: the item is our parent, and its
      // first key (a step kind) says which kind of item it is.
      chain.unshift({ item: true, sibling: m[3] });
      limit = indent;
      continue;
    }
    if (keyCol < limit && m[3]) {
      if (m[2]) chain.unshift({ item: true, key: m[3] });
      else chain.unshift({ key: m[3] });
      limit = m[2] ? indent : keyCol;
    }
  }
  return chain;
}

function resolvePath(schema, chain) {
  let node = schema;
  for (const link of chain) {
    if (link.item && link.key !== undefined) {
      node = itemsOf(schema, node) || {};
      node = propertiesOf(schema, node)[link.key] || {};
    } else if (link.item) {
      node = itemsOf(schema, node) || {};
      const kinds = variants(schema, node).filter((v) => v.properties && link.sibling in v.properties);
      if (link.sibling && kinds.length) node = { anyOf: kinds };
    } else {
      node = propertiesOf(schema, node)[link.key] || {};
    }
  }
  return node;
}

export function schemaCompletion(schema) {
  return (context) => {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    if (/#/.test(before)) return null;
    const value = /^(\s*)(- +)?([A-Za-z_][\w-]*):\s+([\w-]*)$/.exec(before);
    const keyMatch = /^(\s*)(- +)?([A-Za-z_][\w-]*)?$/.exec(before);
    const doc = context.state.doc;
    if (value) {
      // A new list item's parents are above its dash; another key's are above the key.
      const col = value[1].length;
      const chain = parents(doc, line.number, col);
      if (value[2]) chain.push({ item: true });
      const parent = resolvePath(schema, chain);
      const prop = propertiesOf(schema, value[2] ? parent : parent)[value[3]];
      const options = [];
      for (const v of variants(schema, prop || {})) {
        for (const e of v.enum || (v.const !== undefined ? [v.const] : [])) options.push(String(e));
      }
      if (!options.length) return null;
      return { from: context.pos - value[4].length, options: options.map((o) => ({ label: o, type: "enum" })) };
    }
    if (!keyMatch || (!context.explicit && !keyMatch[3] && !keyMatch[2])) return null;
    const chain = parents(doc, line.number, keyMatch[1].length);
    if (keyMatch[2]) chain.push({ item: true });
    const node = resolvePath(schema, chain);
    const props = propertiesOf(schema, node);
    const inSteps = chain.length && chain[chain.length - 1].item &&
      STEP_KINDS.some((k) => k in props) && keyMatch[2];
    const options = Object.entries(props).map(([name, spec]) => {
      const kind = inSteps && STEP_KINDS.includes(name);
      return { label: name, type: kind ? "keyword" : "property", apply: name + ": ",
        detail: kind ? "step" : (deref(schema, spec).description || ""), boost: kind ? 10 : 0 };
    });
    if (!options.length) return null;
    return { from: context.pos - (keyMatch[3] || "").length, options, validFor: /^[\w-]*$/ };
  };
}

const TEMPLATES = {
  say: ["- say: What to say, in one sentence.   # spoken once"],
  hold: [
    "- hold: 30-45s              # a timed hold; a range is fitted to the length",
    "  say: Press gently into the muscle and breathe.",
    "  countdown: 3              # spoken countdown of the last seconds",
  ],
  repeat: [
    "- repeat: 6-10              # repetitions; a range is fitted to the length",
    "  say: Bend and straighten your knee, slowly.",
    "  each: 6s                  # time per repetition",
    "  count: true               # count aloud; false for a soft tick",
  ],
  pause: ["- pause: 10s                # silence; a range like 10-20s is fitted to the length"],
  chime: ["- chime: bell               # chime, bell, tick, start, or a name under sounds:"],
  include: ["- include: my-block         # a step list defined under blocks:"],
};

/** Where and what to insert for a step of ``kind`` after the step at the cursor. */
export function stepInsertion(doc, pos, kind) {
  const here = doc.lineAt(pos);
  let indent = null;
  for (let n = here.number; n >= 1; n--) {
    const m = /^(\s*)- +(say|pause|hold|repeat|chime|include)\b/.exec(doc.line(n).text);
    if (m) { indent = m[1]; break; }
    if (/^\s*steps:\s*$/.test(doc.line(n).text)) {
      indent = /^(\s*)/.exec(doc.line(n).text)[1] + "  ";
      break;
    }
  }
  if (indent === null) indent = "      ";
  // After the current step's own lines (those indented deeper than its dash).
  let after = here.number;
  if (/^\s*- /.test(here.text) || here.text.length > indent.length) {
    while (after < doc.lines) {
      const next = doc.line(after + 1).text;
      if (!next.trim() || /^\s*#/.test(next)) { after++; continue; }
      if (/^(\s*)/.exec(next)[1].length > indent.length) after++;
      else break;
    }
    while (after > here.number && !doc.line(after).text.trim()) after--;
  }
  const at = doc.line(after).to;
  const text = "\n" + TEMPLATES[kind].map((l) => indent + l).join("\n");
  return { from: at, insert: text, cursor: at + 1 + indent.length + 2 + kind.length + 2 };
}
