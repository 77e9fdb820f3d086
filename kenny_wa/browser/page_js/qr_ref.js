// The QR payload (div[data-ref] value) — a secret: the caller renders it, never logs it.
// Called as (arg, state) with state from detect_state.js. Without arg.last it returns
// {ref, state}; with arg.last it is a wait predicate: {ref, state} once the ref differs
// from arg.last or the screen left the QR state, else false. Argument: {js: {nav, text}, last}.
(arg, state) => {
  let ref = null;
  for (const s of arg.js.nav.qr_container || []) {
    try { const el = document.querySelector(s); if (el) { ref = el.getAttribute("data-ref"); break; } } catch (e) {}
  }
  if (!("last" in arg)) return { ref, state };
  if (state !== "QR" || (ref && ref !== arg.last)) return { ref, state };
  return false;
}
