// One history cycle in one round trip: scroll older (lib.scroll_history), wait in the page
// until the rows settle (lib.history_settled, polled every animation frame), then read the
// window (lib.extract_rows). page.evaluate has no timeout, so the wait carries its own:
// past timeoutMs the outcome is "stalled" and the window is read as it is.
// At the top with the phone prompt showing nothing more will load: no wait ("stalled").
// With scroll null (a chat's first read) nothing is scrolled: the read waits only while the
// conversation shows its loading spinner (the chat's first chunk is still on its way).
// Argument: {scroll: {nav, by, anchor} | null, settle: {nav, start, startText, loading},
//            prompt, timeoutMs, extract: <extract_rows argument>}.
// Returns {outcome: "moved" | "start" | "stalled", window: <extract_rows JSON string>}.
async (arg, lib) => {
  const deadline = performance.now() + arg.timeoutMs;
  // a timer as well: animation frames do not run in a hidden page
  const frame = () => new Promise((resolve) => {
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() => { clearTimeout(timer); resolve(); });
  });
  const loading = () => {
    const main = document.querySelector("#main");
    return !!main && (arg.settle.loading || []).some((s) => {
      try { return Array.from(main.querySelectorAll(s)).some((el) => el.getClientRects().length > 0); } catch (e) { return false; }
    });
  };
  let outcome = "stalled";
  if (!arg.scroll) {
    while (loading() && performance.now() < deadline) await frame();
    outcome = "moved";
  } else {
    const before = lib.scroll_history(arg.scroll);
    if (!(before.atTop && arg.prompt)) {
      const settleArg = { ...arg.settle, before: before.signature };
      for (;;) {
        await frame();
        const state = lib.history_settled(settleArg);
        if (state) { outcome = state; break; }
        if (performance.now() >= deadline) break;
      }
    }
  }
  return { outcome, window: lib.extract_rows(arg.extract) };
}
