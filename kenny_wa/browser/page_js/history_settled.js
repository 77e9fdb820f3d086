// Poll predicate after a history scroll: "start" when the history start shows, "moved" once
// the scroller changed (position, height or rows), no loading spinner is visible and the rows
// in view are rendered (not virtualised shells); else false (keep waiting).
// Argument: {nav, before, start: [selectors], startText: [lower-case], loading: [selectors]}.
(arg) => {
  const main = document.querySelector("#main");
  if (!main) return false;
  const any = (list) => (list || []).some((s) => { try { return !!main.querySelector(s); } catch (e) { return false; } });
  const visible = (list) => (list || []).some((s) => {
    try { return Array.from(main.querySelectorAll(s)).some((el) => el.getClientRects().length > 0); } catch (e) { return false; }
  });
  let sc = null;
  for (const s of arg.nav.message_scroller || []) { try { sc = document.querySelector(s); if (sc) break; } catch (e) {} }
  if (!sc) return false;
  const ids = sc.querySelectorAll("[data-id]");
  const signature = [Math.round(sc.scrollTop), sc.scrollHeight, ids.length, ids.length ? ids[0].getAttribute("data-id") : ""].join("|");
  if (any(arg.start)) return "start";
  if ((arg.startText || []).length && ids.length) {
    const topRows = Array.from(ids).slice(0, 3).map((el) => (el.closest('[role="row"]') || el).textContent.toLowerCase());
    if (topRows.some((t) => arg.startText.some((m) => t.includes(m)))) return "start";
  }
  if (signature === arg.before || visible(arg.loading)) return false;
  const view = sc.getBoundingClientRect();
  for (const shell of sc.querySelectorAll('[data-virtualized="true"]')) {
    const r = shell.getBoundingClientRect();
    if (r.bottom > view.top && r.top < view.bottom) return false; // rows in view not rendered yet
  }
  return "moved";
}
