// Where to click the "reload QR code" button shown once the QR went idle: {x, y} or null.
// Argument: {nav, text}. Reads only.
(arg) => {
  for (const s of arg.nav.qr_reload || []) {
    let el = null;
    try { el = document.querySelector(s); } catch (e) {}
    if (!el) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
  }
  return null;
}
