// The open conversation's header: title (from the title attribute when present), subtitle
// (group participants / presence) and the chat id from the React fiber. Reads only.
// Argument: {nav: {role: [selectors]}} or the roles directly ({conversation_header: [...], ...}).
// Returns {title, subtitle, id, jid} (id and jid are the same raw fiber id) or null.
(arg) => {
  const nav = arg.nav || arg;
  const first = (root, role) => {
    for (const s of nav[role] || []) {
      try { const el = root.querySelector(s); if (el) return el; } catch (e) {}
    }
    return null;
  };
  const header = first(document, "conversation_header");
  if (!header) return null;
  const titleEl = first(document, "header_title");
  const titleSpan = titleEl && (titleEl.matches("[title]") ? titleEl : titleEl.querySelector("[title]"));
  const subEl = first(document, "header_subtitle");
  let id = null;
  const starts = [header, ...Array.from(header.querySelectorAll("*")).slice(0, 40)];
  outer: for (const start of starts) {
    const key = Object.keys(start).find((k) => k.startsWith("__reactFiber$") || k.startsWith("__reactInternalInstance$"));
    if (!key) continue;
    let f = start[key];
    for (let i = 0; f && i < 60; i++, f = f.return) {
      const p = f.memoizedProps;
      const chat = p && (p.chat || (p.data && p.data.chat));
      const cid = chat && chat.id && (chat.id._serialized || (typeof chat.id === "string" ? chat.id : null));
      if (cid) { id = String(cid); break outer; }
    }
  }
  return {
    title: titleSpan ? titleSpan.getAttribute("title") : (titleEl ? (titleEl.textContent || "") : null),
    subtitle: subEl ? (subEl.getAttribute("title") || subEl.textContent || "") : null,
    id,
    jid: id,
  };
}
