// One call per visible window: page.evaluate(source, arg). Read-only: it never writes to
// the DOM. `arg` comes from kenny_wa/browser/selectors.py (SelectorProfile.js_arg):
//   arg.sel[role]  -> ordered CSS selector candidates
//   arg.attr[name] -> attribute names to read
//   arg.text[kind] -> lower-case substrings (labels, notices)
//   arg.pattern    -> regular expression sources owned by Python
//   arg.asObject   -> return the object itself (for another page script) instead of JSON
// It returns compact arrays of raw strings/booleans; all interpretation happens in
// kenny_wa/parse.py. The bubble's innerText is never used: it leaks author, time and icon
// titles into the body.
(arg) => {
  const S = arg.sel, A = arg.attr, T = arg.text;
  const J = {};
  for (const k in S) J[k] = S[k].join(', ');
  const timeRe = new RegExp(arg.pattern.time);
  const stickerAltRe = new RegExp(arg.pattern.sticker_alt, 'iu');
  const FIELDS = [
    'row', 'id', 'tid', 'ppt', 'meta', 'cls_out', 'cls_in', 'tail', 'prefix', 'receipt',
    'author_label', 'author_texts', 'text', 'caption', 'quoted', 'q_author_label', 'q_author_texts',
    'q_text', 'fwd', 'del', 'edited', 'reactions', 'media', 'blob', 'duration', 'doc_name',
    'container', 'label', 'del_text', 'doc_title', 'doc_info', 'bubble',
  ];

  const matches = (el, k) => !!(J[k] && el.matches(J[k]));
  let rowHasQuote = false;
  const inQuote = (node, row) => {
    if (!rowHasQuote) return false;
    const q = node.closest(J.quoted);
    return !!q && q !== row && row.contains(q);
  };
  // First element for `k` by candidate priority (then document order); optionally skipping
  // quoted blocks. One query for the joined list; candidates are ranked only among the hits.
  const first = (el, k, skipQuoted) => {
    if (!J[k]) return null;
    const list = S[k];
    if (list.length === 1 && !(skipQuoted && rowHasQuote)) return el.querySelector(J[k]);
    let best = null, bestRank = list.length;
    for (const n of el.querySelectorAll(J[k])) {
      if (skipQuoted && inQuote(n, el)) continue;
      let rank = 0;
      while (rank < bestRank && !n.matches(list[rank])) rank += 1;
      if (rank < bestRank) { best = n; bestRank = rank; if (rank === 0) break; }
    }
    return best;
  };
  const short = (s, n) => (s.length > n ? s.slice(0, n) : s);
  // Text of a subtree without icon <title>s, element boundaries as spaces, collapsed.
  const flat = (n) => {
    if (!n) return '';
    const parts = [];
    const walk = (e) => {
      for (let c = e.firstChild; c; c = c.nextSibling) {
        if (c.nodeType === 3) parts.push(c.data);
        else if (c.nodeType === 1 && c.tagName !== 'svg' && c.tagName !== 'SCRIPT' && c.tagName !== 'STYLE') {
          parts.push(' ');
          walk(c);
          parts.push(' ');
        }
      }
    };
    walk(n);
    return parts.join('').replace(/\s+/g, ' ').trim();
  };

  const wsCache = new Map();
  // Visible text of one text node subtree: emoji images become their alt, <br> a newline,
  // and whitespace follows the element's CSS (pre-wrap keeps line breaks, normal collapses).
  const textOf = (el) => {
    if (!el) return null;
    const key = el.tagName + '.' + el.className;
    let ws = wsCache.get(key);
    if (ws === undefined) { ws = getComputedStyle(el).whiteSpace; wsCache.set(key, ws); }
    const pre = ws.startsWith('pre') || ws === 'break-spaces';
    let out = '';
    const walk = (n) => {
      for (let c = n.firstChild; c; c = c.nextSibling) {
        if (c.nodeType === 3) out += pre ? c.data : c.data.replace(/[\t\n\r\f ]+/g, ' ');
        else if (c.nodeType === 1) {
          const tag = c.tagName;
          if (tag === 'BR') out += '\n';
          else if (tag === 'IMG') {
            if (J.emoji && c.matches(J.emoji)) out += c.getAttribute('alt') || c.getAttribute('data-plain-text') || '';
          } else if (tag !== 'SCRIPT' && tag !== 'STYLE' && tag !== 'svg') walk(c);
        }
      }
    };
    walk(el);
    return pre ? out : out.replace(/ *\n */g, '\n').replace(/ {2,}/g, ' ').trim();
  };
  // Author block: the aria-label of the name span and the texts of its sibling spans
  // (display name, and the phone of an unsaved contact).
  const authorOf = (scope, k, skipQuoted) => {
    const n = first(scope, k, skipQuoted);
    if (!n) return ['', []];
    const texts = [];
    for (const c of (n.parentElement || n).children) {
      if (c.tagName !== 'SPAN') continue;
      const t = flat(c);
      if (t) texts.push(short(t, 120));
    }
    return [n.getAttribute(A.aria_label) || '', texts];
  };
  const metaOf = (el) => {
    for (const sel of S.meta || []) {
      let hit = null;
      for (const n of el.querySelectorAll(sel)) {
        if (inQuote(n, el)) continue;
        const t = flat(n);
        if (t.length <= 40 && timeRe.test(t)) hit = t;
      }
      if (hit !== null) return hit;
    }
    return '';
  };
  const receiptOf = (el, flags) => {
    if (flags.has('receipt')) return true;
    const scope = first(el, 'receipt_scope', true);
    if (!scope) return false;
    for (const t of scope.querySelectorAll(J.svg_title)) {
      const v = t.textContent.trim().toLowerCase();
      if (T.receipt_titles.some((r) => v.startsWith(r))) return true;
    }
    for (const n of scope.querySelectorAll(J.receipt_label)) {
      const v = (n.getAttribute(A.aria_label) || '').toLowerCase();
      if (T.receipt_labels.includes(v) || T.receipt_labels.includes(' ' + v.trim() + ' ')) return true;
    }
    return false;
  };
  // Precedence matters: a GIF also has a <video>, a sticker is also an <img>, a document or a
  // location shows a thumbnail, and a view-once bubble stands in for a photo or a video.
  const mediaKinds = ['view_once', 'sticker', 'gif', 'voice', 'video', 'document', 'contact',
    'location', 'poll', 'image'];
  // Presence-only roles are found with ONE query per row over their union; each hit is then
  // classified with matches(). Hits inside a quoted block belong to the quoted message.
  // Each hit is classified by its first matching role (no marker element plays two roles), so
  // the roles found on most rows come first.
  const FLAG_ROLES = ['msg_container', 'tail_in', 'tail_out', 'receipt', 'class_in', 'class_out',
    'edited', ...mediaKinds, 'forwarded', 'forwarded_icon', 'deleted', 'virtualized_shell', 'system',
    'history_start'].filter((k) => J[k]);
  const J_FLAGS = FLAG_ROLES.map((k) => J[k]).join(', ');
  const flagsOf = (row) => {
    const f = new Set();
    if (!J_FLAGS) return f;
    for (const n of row.querySelectorAll(J_FLAGS)) {
      if (rowHasQuote && inQuote(n, row)) continue;
      for (const k of FLAG_ROLES) if (n.matches(J[k])) { f.add(k); break; }
    }
    for (const k of ['class_out', 'class_in']) if (J[k] && row.matches(J[k])) f.add(k);
    return f;
  };
  const blobOf = (el) => {
    const box = first(el, 'image', true) || el;
    const img = first(box, 'blob_img', false);
    return img ? img.getAttribute('src') : '';
  };
  let rowsBy = -1; // index of the S.rows candidate that found the rows
  const rowsOf = () => {
    for (let i = 0; i < S.rows.length; i += 1) {
      const found = document.querySelectorAll(S.rows[i]);
      if (found.length) { rowsBy = i; return found; }
    }
    return [];
  };
  const textHit = (s, list) => {
    const v = s.toLowerCase();
    return list.some((t) => v.includes(t));
  };
  // A forward icon marks the message only inside a label that says "Forwarded"; the same icon
  // on the hover "Forward" button of a media bubble marks nothing.
  const forwardedOf = (row, flags) => {
    if (flags.has('forwarded')) return true;
    if (!flags.has('forwarded_icon')) return false;
    for (const n of row.querySelectorAll(J.forwarded_icon)) {
      if (inQuote(n, row)) continue;
      for (let box = n.parentElement, up = 0; box && up < 2 && row.contains(box); box = box.parentElement, up += 1) {
        const label = flat(box).toLowerCase();
        if (T.forwarded_labels.includes(label)) return true;
        if (label) break;
      }
    }
    return false;
  };
  // A sticker marked only by its image: an <img> whose alt text names a sticker, outside any
  // picture container (a photo's alt can be its caption, which may say anything).
  const stickerAltOf = (row) => {
    if (!J.alt_img) return false;
    for (const n of row.querySelectorAll(J.alt_img)) {
      if (inQuote(n, row) || (J.emoji && n.matches(J.emoji))) continue;
      const box = J.picture_box ? n.closest(J.picture_box) : null;
      if (box && row.contains(box)) continue;
      if (stickerAltRe.test(n.getAttribute('alt') || '')) return true;
    }
    return false;
  };
  // Deleted-message notice: 'own' ("You deleted this message"), 'other', or ''.
  const deletedTextOf = (row) => {
    const v = flat(row);
    if (v.length > 300) return '';
    if (textHit(v, T.deleted_own)) return 'own';
    if (textHit(v, T.deleted_other)) return 'other';
    return '';
  };
  // A document's file name (from its box's 'Download "<name>"' title) and the short texts
  // beside it: type, pages, size, in the page's own words.
  const documentOf = (row) => {
    const marker = first(row, 'document', true);
    if (!marker) return ['', []];
    const box = (marker.matches(J.document_box) ? marker : marker.closest(J.document_box)) || marker.parentElement || marker;
    const info = [];
    for (const n of box.querySelectorAll('span')) {
      if (n.firstElementChild) continue;
      const t = flat(n);
      if (t && t.length <= 60) info.push(t);
      else if (!t && n.getAttribute('title')) info.push(short(n.getAttribute('title'), 60));
    }
    return [box.getAttribute('title') || '', info];
  };

  const main = J.main ? document.querySelector(J.main) : null;
  const rows = [];
  let historyStart = false, phonePrompt = false;
  let rowIndex = -1;
  for (const row of rowsOf()) {
    rowIndex += 1;
    rowHasQuote = false;
    const idEl = matches(row, 'msg_id') ? row : first(row, 'msg_id', false);
    const dataId = idEl ? idEl.getAttribute(A.id) || '' : '';
    const testid = idEl ? idEl.getAttribute(A.testid) || '' : '';
    const tid = testid.startsWith(A.testid_prefix) ? testid.slice(A.testid_prefix.length) : '';
    const quotedEl = idEl ? first(row, 'quoted', false) : null;
    rowHasQuote = !!quotedEl;
    const flags = flagsOf(row);
    const isSystem = flags.has('system');
    const shell = !!idEl && flags.has('virtualized_shell') && !row.textContent.trim();
    if (!idEl || isSystem || shell) {
      // Date separators, system notices, the encryption notice, the phone prompt, shells.
      const label = short(flat(row), 300);
      if (label && textHit(label, T.history_start)) historyStart = true;
      if (label && textHit(label, T.phone_prompt)) phonePrompt = true;
      if (flags.has('history_start')) historyStart = true;
      rows.push([isSystem ? 'system' : shell ? 'shell' : 'other', dataId, tid, '', '', false, false, '', '', false,
        '', [], null, null, false, '', [], null, false, false, false, [], '', '', '', '', false, label,
        '', '', [], false]);
      continue;
    }
    const pptEl = first(row, 'pre_plain', true);
    const [authorLabel, authorTexts] = authorOf(row, 'author', true);
    let qLabel = '', qTexts = [], qText = null;
    if (quotedEl) {
      const box = quotedEl.matches(J.quoted_text) ? quotedEl.parentElement : quotedEl;
      [qLabel, qTexts] = authorOf(box, 'quoted_author', false);
      const qt = quotedEl.matches(J.quoted_text) ? quotedEl : first(quotedEl, 'quoted_text', false);
      qText = textOf(qt);
    }
    const prefixEl = first(row, 'prefix_label', true);
    let media = mediaKinds.find((k) => flags.has(k)) || '';
    const textEl = first(row, 'text', true);
    // Only a bubble without a body (or a bare picture) can be a sticker named by its alt text.
    if (((!media && !textEl) || media === 'image') && stickerAltOf(row)) media = 'sticker';
    // The deleted notice is plain text (no selectable body); quoted blocks never hold it here.
    const delText = flags.has('deleted') || (!textEl && !media && !quotedEl) ? deletedTextOf(row) : '';
    const [docTitle, docInfo] = media === 'document' ? documentOf(row) : ['', []];
    const durEl = media === 'voice' || media === 'video' ? first(row, 'voice_duration', true) : null;
    const docEl = media === 'document' ? first(row, 'document_name', true) : null;
    const captionEl = media ? first(row, 'caption', true) : null;
    const reactions = [];
    if (J.reactions) {
      for (const n of row.querySelectorAll(J.reactions)) {
        if (n.parentElement && n.parentElement.closest(J.reactions) && row.contains(n.parentElement.closest(J.reactions))) continue;
        reactions.push(n.getAttribute(A.aria_label) || flat(n));
      }
    }
    const tailOut = flags.has('tail_out'), tailIn = flags.has('tail_in');
    const prefix = prefixEl ? prefixEl.getAttribute(A.aria_label) || '' : '';
    // Receipts are the last direction signal: only looked for when no earlier one exists.
    const needReceipt = !tailOut && !tailIn && !flags.has('class_out') && !flags.has('class_in') && !prefix;
    rows.push([
      'msg', dataId, tid,
      pptEl ? pptEl.getAttribute(A.pre_plain) : '',
      metaOf(row),
      flags.has('class_out'),
      flags.has('class_in'),
      tailOut ? 'out' : tailIn ? 'in' : '',
      prefix,
      needReceipt ? receiptOf(row, flags) : flags.has('receipt'),
      authorLabel, authorTexts,
      textOf(textEl && textEl !== captionEl ? textEl : null),
      textOf(captionEl),
      !!quotedEl, qLabel, qTexts, qText,
      forwardedOf(row, flags),
      flags.has('deleted') || !!delText,
      flags.has('edited'),
      reactions,
      media,
      media === 'image' || media === 'sticker' ? blobOf(row) : '',
      durEl ? durEl.getAttribute(A.valuetext) || '' : '',
      docEl ? docEl.getAttribute('title') || flat(docEl) : '',
      flags.has('msg_container'),
      '',
      delText, docTitle, docInfo,
      // the bubble wrapper, asked only where nothing else names the era (bare ids, no classes)
      !tid && !flags.has('msg_container') && !flags.has('class_out') && !flags.has('class_in')
        && !!(J.bubble && row.querySelector(J.bubble)),
    ]);
  }
  if (!phonePrompt && J.phone_prompt) {
    for (const n of document.querySelectorAll(J.phone_prompt)) {
      if (textHit(flat(n), T.phone_prompt)) { phonePrompt = true; break; }
    }
  }
  const out = {
    fields: FIELDS,
    rows,
    main: !!main,
    id_nodes: main ? main.querySelectorAll(J.msg_id).length : 0,
    rows_by: rowsBy >= 0 ? S.rows[rowsBy] : '',
    ppt_nodes: main && J.pre_plain ? main.querySelectorAll(J.pre_plain).length : 0,
    history_start: historyStart,
    phone_prompt: phonePrompt,
    loading: !!(J.loading && document.querySelector(J.loading)),
  };
  // A JSON string crosses the protocol far faster than thousands of small arrays.
  return arg.asObject ? out : JSON.stringify(out);
}
