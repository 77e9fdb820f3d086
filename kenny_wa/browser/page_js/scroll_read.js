// One history cycle in one round trip: scroll older (lib.scroll_history), wait in the page
// until the rows settle (lib.history_settled, checked on every DOM change and frame), then read the
// window (lib.extract_rows). page.evaluate has no timeout, so the wait carries its own:
// past timeoutMs the outcome is "stalled" and the window is read as it is.
// At the top with the phone prompt showing nothing more will load: no wait ("stalled").
// With scroll and resume null (a chat's first read) nothing is scrolled: the read waits only
// while the conversation shows its loading spinner (the chat's first chunk is still on its way).
// Read ahead: with `ahead` set and the history start not in the window just read, the next
// scroll is taken right after the read, so the page loads the next chunk while the caller
// parses this window; the next call passes that scroll's answer as `resume` and only waits.
// Argument: {scroll: {nav, by, anchor} | null, resume: <scroll_history answer> | null,
//            ahead: {nav, by, anchor} | null, settle: {nav, start, startText, loading},
//            prompt, timeoutMs, extract: <extract_rows argument>}.
// Returns {outcome: "moved" | "start" | "stalled", window: <extract_rows JSON string>,
//          ahead: <scroll_history answer> | null}.
async (arg, lib) => {
  const deadline = performance.now() + arg.timeoutMs;
  // Until the conversation's DOM changes (a chunk rendered: checked at once, not a frame
  // later) or the next frame; a timer as well: animation frames do not run in a hidden page.
  const change = () => new Promise((resolve) => {
    const target = document.querySelector("#main") || document.body;
    const done = () => { observer.disconnect(); clearTimeout(timer); resolve(); };
    const observer = new MutationObserver(done);
    observer.observe(target, { subtree: true, childList: true, attributes: true });
    const timer = setTimeout(done, 100);
    requestAnimationFrame(done);
  });
  const loading = () => {
    const main = document.querySelector("#main");
    return !!main && (arg.settle.loading || []).some((s) => {
      try { return Array.from(main.querySelectorAll(s)).some((el) => el.getClientRects().length > 0); } catch (e) { return false; }
    });
  };
  let outcome = "stalled";
  const before = arg.scroll ? lib.scroll_history(arg.scroll) : arg.resume;
  if (!before) {
    while (loading() && performance.now() < deadline) await change();
    outcome = "moved";
  } else if (!(before.atTop && arg.prompt)) {
    const settleArg = { ...arg.settle, before: before.signature };
    for (;;) {
      await change();
      const state = lib.history_settled(settleArg);
      if (state) { outcome = state; break; }
      if (performance.now() >= deadline) break;
    }
  }
  const win = lib.extract_rows({ ...arg.extract, asObject: true });
  let ahead = null;
  if (arg.ahead && outcome !== "start" && !win.history_start) {
    // the oldest message row read goes to the viewport's bottom (see scroll_history.js)
    const kind = win.fields.indexOf("row"), id = win.fields.indexOf("id");
    const oldest = win.rows.find((row) => row[kind] === "msg" && row[id]);
    ahead = lib.scroll_history({ ...arg.ahead, anchor: oldest ? oldest[id] : arg.ahead.anchor });
  }
  return { outcome, window: JSON.stringify(win), ahead };
}
