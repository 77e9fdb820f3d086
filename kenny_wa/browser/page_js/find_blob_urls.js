// For image messages whose full-resolution blob: URL was not in the parsed row yet, look the
// rows up by data-id in the current DOM. Returns {id: url|null}; as a wait predicate with
// arg.all=true it returns false while an id of arg.need (default: every id) may still get one.
// An image that is final without a URL counts as resolved (null): its bubble shows the
// download button (arg.final), or an <img> in its box (arg.box) failed to load (an error
// leaves it complete with no natural size), so no blob: URL will come to wait for.
// Argument: {ids: [...], img: [selectors of the full-size blob img], final, box, need, all}.
(arg) => {
  const query = (el, list) => {
    for (const s of list || []) { try { const n = el.querySelector(s); if (n) return n; } catch (e) {} }
    return null;
  };
  const broken = (row) => {
    const box = query(row, arg.box);
    if (!box) return false;
    return Array.from(box.querySelectorAll("img")).some((img) => img.getAttribute("src") && img.complete && img.naturalWidth === 0);
  };
  const need = arg.need ? new Set(arg.need) : null;
  const out = {};
  let waiting = 0;
  for (const id of arg.ids) {
    let row = null;
    for (const el of document.querySelectorAll("#main [data-id]")) {
      const v = el.getAttribute("data-id");
      if (v === id || v.endsWith("_" + id) || v.includes("_" + id + "_")) { row = el; break; }
    }
    const img = row ? query(row, arg.img) : null;
    const url = img ? img.getAttribute("src") : null;
    const final = !url && !!row && (!!query(row, arg.final) || broken(row));
    if (!url && !final && (!need || need.has(id))) waiting++;
    out[id] = url;
  }
  if (arg.all && waiting) return false;
  return out;
}
