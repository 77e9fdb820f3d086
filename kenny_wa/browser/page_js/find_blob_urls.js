// For image messages whose full-resolution blob: URL was not in the parsed row yet, look the
// rows up by data-id in the current DOM. Returns {id: url|null}; as a wait predicate with
// arg.all=true it returns false until every id has a URL.
// Argument: {ids: [...], img: [selectors of the full-size blob img]}.
(arg) => {
  const out = {};
  let missing = 0;
  for (const id of arg.ids) {
    let row = null;
    for (const el of document.querySelectorAll("#main [data-id]")) {
      const v = el.getAttribute("data-id");
      if (v === id || v.endsWith("_" + id) || v.includes("_" + id + "_")) { row = el; break; }
    }
    let url = null;
    if (row) {
      for (const s of arg.img) {
        let img = null;
        try { img = row.querySelector(s); } catch (e) {}
        if (img && img.getAttribute("src")) { url = img.getAttribute("src"); break; }
      }
    }
    if (!url) missing++;
    out[id] = url;
  }
  if (arg.all && missing) return false;
  return out;
}
