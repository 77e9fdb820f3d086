// Where to click one control named by a navigation role: the centre {x, y} of the first
// visible element matching nav[role], most stable selector first, or null. Reads only.
// Argument: {nav, role}.
(arg) => {
  for (const s of arg.nav[arg.role] || []) {
    let found = [];
    try { found = Array.from(document.querySelectorAll(s)); } catch (e) { continue; }
    for (const el of found) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    }
  }
  return null;
}
