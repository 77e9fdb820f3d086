// Where to click "Use here" on the "open in another window" dialog: {x, y} or null.
// Argument: {nav, text} as for detect_state.js. Reads only.
(arg) => {
  const nav = arg.nav, texts = arg.text;
  const center = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : null;
  };
  const dialogs = [];
  for (const s of nav.conflict_dialog || []) {
    try { document.querySelectorAll(s).forEach((d) => dialogs.push(d)); } catch (e) {}
  }
  const isConflict = (d) => (texts.conflict || []).some((t) => (d.innerText || d.textContent || "").toLowerCase().includes(t));
  for (const d of dialogs.filter(isConflict)) {
    // a button whose own text says "use here" first, then the configured button selectors
    const buttons = Array.from(d.querySelectorAll('button, [role="button"]'));
    const byText = buttons.find((b) => (texts.use_here || []).some((t) => (b.innerText || b.textContent || "").trim().toLowerCase() === t));
    if (byText && center(byText)) return center(byText);
    for (const s of nav.conflict_use_here || []) {
      let el = null;
      try { el = d.querySelector(s) || document.querySelector(s); } catch (e) {}
      if (el && center(el)) return center(el);
    }
  }
  return null;
}
