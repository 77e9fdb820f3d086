// Scroll the chat list: {to: "top"} or {by: <fraction of the viewport>}. Returns the
// scroll position before and after, and whether the end was reached. Argument: {nav, to, by}.
(arg) => {
  let sc = null;
  for (const s of arg.nav.chat_list_scroller || []) { try { sc = document.querySelector(s); if (sc) break; } catch (e) {} }
  if (!sc) return null;
  const before = sc.scrollTop;
  if (arg.to === "top") sc.scrollTop = 0;
  else { const d = Math.round(sc.clientHeight * (arg.by ?? 0.8)); sc.scrollTop = before + (d === 0 ? 1 : d); }
  sc.dispatchEvent(new Event("scroll"));
  return { before, after: sc.scrollTop, atEnd: sc.scrollTop + sc.clientHeight >= sc.scrollHeight - 2 };
}
