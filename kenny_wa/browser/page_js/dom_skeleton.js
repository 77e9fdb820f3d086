// The page's DOM structure for a UI-drift report, with content blanked.
// Keeps tag names, attribute NAMES, and the values of a whitelist of structural attributes
// (id, role, data-testid, data-icon, ...). Every text node, every other attribute value
// (title, aria-label, alt, src, href, style, data-id, data-pre-plain-text, data-ref, ...) and
// every form value is replaced by "". Scripts, styles, canvases and comments are emptied.
// Argument: {keep: [attribute names whose values are structural]}.
(arg) => {
  const keep = new Set(arg.keep);
  const maxNodes = arg.maxNodes || 20000;
  let count = 0;
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  const safeValue = (name, value) => {
    if (!keep.has(name)) return "";
    // structural values are short tokens; anything long or spaced is treated as content
    if (value.length > 64 || /\s{2,}|[^\x20-\x7e]/.test(value)) return "";
    return value;
  };
  const walk = (el, depth, out) => {
    if (count++ > maxNodes) return;
    const tag = el.tagName.toLowerCase();
    const attrs = [];
    for (const a of Array.from(el.attributes)) {
      const name = a.name.toLowerCase();
      if (name === "class") {
        // class lists: keep tokens that look structural, drop the rest
        const tokens = a.value.split(/\s+/).filter((t) => /^[A-Za-z_][\w-]{0,40}$/.test(t));
        attrs.push(`class="${esc(tokens.join(" "))}"`);
        continue;
      }
      attrs.push(`${name}="${esc(safeValue(name, a.value))}"`);
    }
    const pad = "  ".repeat(Math.min(depth, 60));
    out.push(`${pad}<${tag}${attrs.length ? " " + attrs.join(" ") : ""}>`);
    if (!["script", "style", "canvas", "svg", "noscript", "template", "textarea"].includes(tag)) {
      for (const child of Array.from(el.children)) walk(child, depth + 1, out);
      if (el.shadowRoot) for (const child of Array.from(el.shadowRoot.children)) walk(child, depth + 1, out);
    }
    out.push(`${pad}</${tag}>`);
  };
  const out = ["<!-- kenny-wa UI drift skeleton: text and content attribute values blanked -->"];
  walk(document.documentElement, 0, out);
  return out.join("\n");
}
