// Scroll the open conversation one step towards older messages (never jumps over rows:
// virtualised rows in between would be skipped). The step is `by` of a viewport, or farther
// when `anchor` (the data-id of the oldest message row already read) allows: that row's bottom
// is put at the viewport's bottom, so every row above it is still to be read and none below is
// skipped. Returns the scroller signature before the scroll and whether the scroller already
// sat at the top. Argument: {nav, by, anchor}.
(arg) => {
  let sc = null;
  for (const s of arg.nav.message_scroller || []) { try { sc = document.querySelector(s); if (sc) break; } catch (e) {} }
  const ids = sc ? sc.querySelectorAll("[data-id]") : [];
  const signature = sc
    ? [Math.round(sc.scrollTop), sc.scrollHeight, ids.length, ids.length ? ids[0].getAttribute("data-id") : ""].join("|")
    : "";
  if (!sc) return { signature, atTop: true, found: false };
  const before = sc.scrollTop;
  let target = before - Math.max(1, Math.round(sc.clientHeight * (arg.by || 0.8)));
  const list = Array.from(ids);
  const view = sc.getBoundingClientRect();
  const from = arg.anchor ? list.findIndex((el) => el.getAttribute("data-id") === arg.anchor) : -1;
  // rows between the anchor and the view must all be rendered (read), not shells
  let gap = from < 0;
  for (let i = from; !gap && i < list.length && list[i].getBoundingClientRect().top < view.top; i++) {
    gap = !!list[i].querySelector('[data-virtualized="true"]');
  }
  if (!gap) target = Math.min(target, before + list[from].getBoundingClientRect().bottom - view.bottom);
  sc.scrollTop = Math.max(0, Math.round(target));
  sc.dispatchEvent(new Event("scroll"));
  return { signature, atTop: before <= 0, found: true };
}
