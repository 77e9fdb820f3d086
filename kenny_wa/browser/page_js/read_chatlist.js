// Read the visible chat-list rows (one call per window). Returns identities, not content:
// title (bidi marks kept; Python strips them), the time label, unread count or the "marked
// unread" marker, group hint, pinned flag, the chat id from the React fiber, and the row's
// on-screen centre for clicking; and which view shows (the main list or Archived).
// The last-message preview is deliberately NOT read (privacy).
// Argument: {nav, text}. Reads only.
(arg) => {
  const nav = arg.nav;
  const first = (root, role) => {
    for (const s of nav[role] || []) {
      try { const el = root.querySelector(s); if (el) return el; } catch (e) {}
    }
    return null;
  };
  const all = (role) => {
    for (const s of nav[role] || []) {
      try { const found = document.querySelectorAll(s); if (found.length) return Array.from(found); } catch (e) {}
    }
    return [];
  };
  const fiberId = (el) => {
    // walk from the element (and a few descendants) up the React fiber's .return chain
    const starts = [el, ...Array.from(el.querySelectorAll("*")).slice(0, 40)];
    for (const start of starts) {
      const key = Object.keys(start).find((k) => k.startsWith("__reactFiber$") || k.startsWith("__reactInternalInstance$"));
      if (!key) continue;
      let f = start[key];
      for (let i = 0; f && i < 60; i++, f = f.return) {
        const p = f.memoizedProps;
        const chat = p && (p.chat || (p.data && p.data.chat) || (p.item && p.item.chat));
        const id = chat && chat.id && (chat.id._serialized || (typeof chat.id === "string" ? chat.id : null));
        if (id) return String(id);
      }
    }
    return null;
  };
  const scroller = first(document, "chat_list_scroller");
  const rows = [];
  const rowEls = all("chat_row");
  for (const row of rowEls) {
    const r = row.getBoundingClientRect();
    const titleEl = first(row, "chat_row_title");
    const timeEl = first(row, "chat_row_time");
    const unreadEl = first(row, "chat_row_unread") || first(row, "chat_row_marked_unread");
    const cell = first(row, "chat_row_cell");
    let unread = 0, marked = false;
    if (unreadEl) {
      // the label ("1,227 unread messages", pt "1.227 mensagens não lidas") else the text; only
      // separators between digits go (label and text side by side would read "33" for 3)
      const count = (t) => { const m = (t || "").replace(/[.,\u00a0\u202f\s](?=\d)/g, "").match(/\d+/); return m ? parseInt(m[0], 10) : null; };
      const n = count(unreadEl.getAttribute("aria-label")) ?? count(unreadEl.textContent);
      // a badge without a count is the "marked unread" marker (or one we cannot read: the same)
      if (n) unread = n; else marked = true;
    }
    const kind = first(row, "message_yourself_row") ? "self"
      : (!cell ? "other" : (!titleEl ? "other" : "chat"));
    rows.push({
      kind,
      id: fiberId(row),
      title: titleEl ? (titleEl.getAttribute("title") || titleEl.textContent || "") : null,
      time: timeEl ? (timeEl.textContent || "").trim() : null,
      unread,
      marked,
      group: !!first(row, "chat_row_group_hint"),
      pinned: !!first(row, "chat_row_pinned"),
      top: r.top,
      x: r.left + Math.min(r.width / 2, 200),
      y: r.top + r.height / 2,
      h: r.height,
    });
  }
  rows.sort((a, b) => a.top - b.top);
  const sr = scroller ? scroller.getBoundingClientRect() : null;
  const viewTop = sr ? sr.top : 0, viewBottom = sr ? sr.bottom : 0;
  // Do the rendered rows fill the view? Right after a scroll the old rows have moved but the
  // rows now in view may render only on a later frame (after a jump to the top they can sit far
  // down the view, the top still empty). The rows must reach both edges of the part of the view
  // the list occupies: the list's box is the grid, else the rows' container; only when the rows
  // sit directly in the scroller is it the view, then free at the list's ends.
  const parent = rowEls.length ? rowEls[0].parentElement : null;
  const list = first(document, "chat_list_grid") || (parent && parent !== scroller ? parent : null);
  const box = list ? list.getBoundingClientRect() : null;
  const atStart = !!scroller && scroller.scrollTop <= 0;
  const atEnd = !!scroller && scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2;
  const spanTop = box ? Math.max(viewTop, box.top) : atStart ? Infinity : viewTop;
  const spanBottom = box ? Math.min(viewBottom, box.bottom) : atEnd ? -Infinity : viewBottom;
  const visible = rows.filter((r) => r.top + r.h > viewTop && r.top < viewBottom);
  const covered = visible.length > 0
    && Math.min(...visible.map((r) => r.top)) <= spanTop + 1
    && Math.max(...visible.map((r) => r.top + r.h)) >= spanBottom - 1;
  return {
    rows,
    view: first(document, "archived_back") ? "archived" : "main",
    scrollTop: scroller ? scroller.scrollTop : 0,
    scrollHeight: scroller ? scroller.scrollHeight : 0,
    clientHeight: scroller ? scroller.clientHeight : 0,
    viewTop,
    viewBottom,
    covered,
  };
}
