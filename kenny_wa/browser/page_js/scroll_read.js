// One history cycle in one round trip: scroll older (lib.scroll_history), wait in the page
// until the rows settle (lib.history_settled, polled every animation frame), then read the
// window (lib.extract_rows). page.evaluate has no timeout, so the wait carries its own:
// past timeoutMs the outcome is "stalled" and the window is read as it is.
// At the top with the phone prompt showing nothing more will load: no wait ("stalled").
// Argument: {scroll: {nav, by, anchor}, settle: {nav, start, startText, loading},
//            prompt, timeoutMs, extract: <extract_rows argument>}.
// Returns {outcome: "moved" | "start" | "stalled", window: <extract_rows JSON string>}.
async (arg, lib) => {
  const before = lib.scroll_history(arg.scroll);
  let outcome = "stalled";
  if (!(before.atTop && arg.prompt)) {
    const deadline = performance.now() + arg.timeoutMs;
    // a timer as well: animation frames do not run in a hidden page
    const frame = () => new Promise((resolve) => {
      const timer = setTimeout(resolve, 100);
      requestAnimationFrame(() => { clearTimeout(timer); resolve(); });
    });
    const settleArg = { ...arg.settle, before: before.signature };
    for (;;) {
      await frame();
      const state = lib.history_settled(settleArg);
      if (state) { outcome = state; break; }
      if (performance.now() >= deadline) break;
    }
  }
  return { outcome, window: lib.extract_rows(arg.extract) };
}
