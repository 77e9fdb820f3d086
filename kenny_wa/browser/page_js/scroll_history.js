// Scroll the open conversation one step towards older messages (never jumps over rows:
// virtualised rows in between would be skipped). Returns the scroller signature before the
// scroll and whether the scroller already sat at the top. Argument: {nav, by}.
(arg) => {
  let sc = null;
  for (const s of arg.nav.message_scroller || []) { try { sc = document.querySelector(s); if (sc) break; } catch (e) {} }
  const ids = sc ? sc.querySelectorAll("[data-id]") : [];
  const signature = sc
    ? [Math.round(sc.scrollTop), sc.scrollHeight, ids.length, ids.length ? ids[0].getAttribute("data-id") : ""].join("|")
    : "";
  if (!sc) return { signature, atTop: true, found: false };
  const before = sc.scrollTop;
  sc.scrollTop = Math.max(0, before - Math.max(1, Math.round(sc.clientHeight * (arg.by || 0.8))));
  sc.dispatchEvent(new Event("scroll"));
  return { signature, atTop: before <= 0, found: true };
}
