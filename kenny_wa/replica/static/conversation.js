// The right pane: #main with header, the message scroller (chunked history, virtualised rows) and composer.
import { S, h, icon, wdsIcon, p6, tid, bidi, attachFiber, api } from './dom.js';
import * as fmt from './fmt.js';
import { t } from './i18n.js';
import { messageRow, dateRow, phonePromptRow, inflate } from './messages.js';

const KEEP_ABOVE = 2; // viewport heights kept rendered above/below; farther rows become empty shells
const KEEP_BELOW = 2;
let scroller = null;
let spinner = null;

function header(chat) {
  const title = bidi(chat.title);
  const subtitle = chat.is_group ? [...chat.participants, t('you')].join(', ') : null;
  const el = h('header', { 'data-testid': tid('conversation-header'), class: 'x1n2onr6 conv-header' },
    h('div', { role: 'button', title: t('profile_details'), class: 'x1n2onr6 avatar' }, icon(chat.is_group ? 'default-group' : 'default-user')),
    h('div', { role: 'button', title: t('profile_details'), class: 'x1iyjqo2 title-block' },
      h('div', {}, h('span', { dir: 'auto', title, 'data-testid': tid('conversation-info-header-chat-title'), class: 'x1iyjqo2 x6ikm8r x10wlt62 _ao3e' }, title)),
      subtitle ? h('div', { 'data-testid': tid('chat-subtitle'), class: 'x1iyjqo2 subtitle' }, h('span', { title: subtitle, class: 'x1iyjqo2 _ao3e' }, subtitle)) : null),
    h('div', { class: 'x78zum5' },
      chat.is_group ? h('button', { 'aria-label': t('call_app'), class: 'x14m1o6m' }, icon('video-call')) : null,
      h('button', { 'aria-label': t('search'), class: 'x14m1o6m' }, icon('search-alt')),
      h('button', { 'aria-label': t('menu'), class: 'x14m1o6m' }, icon('menu'))));
  attachFiber(el, chat, 5);
  return el;
}

function composer() {
  const box = h('div', {
    contenteditable: 'true', role: 'textbox', spellcheck: 'true', 'data-tab': '10', 'data-lexical-editor': 'true',
    'aria-label': t('type_message'), 'aria-placeholder': t('type_message'), 'aria-autocomplete': 'list', 'aria-owns': 'emoji-suggestion',
    'data-testid': tid('conversation-compose-box-input'), tabindex: '10', class: 'lexical-rich-text-input x1hx0egp x6ikm8r x1odjw0f x1k6rcq7 compose',
    style: 'user-select: text; white-space: pre-wrap; word-break: break-word;',
  }, h('p', { class: 'selectable-text copyable-text x15bjb6t x1n2onr6' }, h('br')));
  const send = h('button', { 'aria-label': t('send'), 'data-tab': '11', class: 'x14m1o6m send' },
    p6() ? h('span', { 'data-icon': 'wds-ic-send-filled', 'aria-hidden': 'true' }, wdsIcon('wds-ic-send-filled')) : icon('send'));
  return h('footer', { class: 'x1n2onr6 composer' },
    h('div', { class: 'x78zum5' },
      h('button', { 'aria-label': t('attach'), title: t('attach'), class: 'x14m1o6m' }, icon('plus-rounded')),
      h('div', { class: 'x1iyjqo2 compose-wrap' }, box),
      send));
}

function sameBlock(a, b) {
  if (!a || a.kind === 'system' || a.kind === 'e2e' || b.kind === 'system' || b.kind === 'e2e') return false;
  if (a.out !== b.out) return false;
  if (fmt.dayKey(a.t) !== fmt.dayKey(b.t)) return false;
  return a.out || (a.sender && b.sender && a.sender.display === b.sender.display);
}

// Desired row list: [key, signature, build]; rows are reused when key and signature match.
function desiredRows() {
  const o = S.open;
  const out = [];
  if (!o.hasMore && o.phonePrompt) out.push(['prompt', '', () => phonePromptRow()]);
  let prev = null;
  for (const m of o.msgs) {
    const day = fmt.dayKey(m.t);
    if (!prev || fmt.dayKey(prev.t) !== day) out.push([`date:${day}`, fmt.dayLabel(m.t), () => dateRow(m.t)]);
    const first = !sameBlock(prev, m);
    out.push([`msg:${m.id}`, first ? 'first' : 'next', () => messageRow(m, { chat: o.chat, first })]);
    prev = m;
  }
  return out;
}

function sync() {
  const existing = new Map();
  for (const el of scroller.children) if (el.__key) existing.set(el.__key, el);
  let prev = null;
  for (const [key, sig, build] of desiredRows()) {
    let el = existing.get(key);
    existing.delete(key);
    if (el && el.__sig !== sig) { el.remove(); el = null; }
    if (!el) { el = build(); el.__key = key; el.__sig = sig; }
    const want = prev ? prev.nextSibling : scroller.firstChild;
    if (el !== want) scroller.insertBefore(el, want);
    prev = el;
  }
  for (const el of existing.values()) el.remove();
}

function virtualize() {
  if (!scroller) return;
  const top = scroller.scrollTop - KEEP_ABOVE * scroller.clientHeight;
  const bottom = scroller.scrollTop + (1 + KEEP_BELOW) * scroller.clientHeight;
  for (const row of scroller.children) {
    if (!row.__msg) continue;
    const outer = row.firstChild;
    const inner = outer.firstChild;
    const y0 = row.offsetTop;
    const y1 = y0 + row.offsetHeight;
    const far = y1 < top || y0 > bottom;
    const shell = inner.getAttribute('data-virtualized') === 'true';
    if (far && !shell) {
      outer.replaceChildren(h('div', { 'data-virtualized': 'true', class: 'x78zum5 xdt5ytf', style: `height: ${outer.offsetHeight}px;` }));
    } else if (!far && shell) {
      outer.replaceChildren(inflate(row.__msg, row.__ctx));
    }
  }
}

function atBottom() {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
}

// Replica instrumentation, not WhatsApp Web's: the time from requesting a chunk to its rows
// being in the DOM goes to the server, whose render_ms the benchmarks add to their floor.
function rendered(o, t0) {
  const body = JSON.stringify({ chat: o.chat.jid, ms: performance.now() - t0 });
  fetch('/__replica/page/rendered', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, keepalive: true })
    .catch(() => {});
}

async function loadOlder() {
  const o = S.open;
  if (!o || o.loading || !o.hasMore) return;
  o.loading = true;
  spinner.hidden = false;
  const t0 = performance.now();
  try {
    const r = await api('messages', { chat: o.chat.jid, mode: 'older', cursor: o.msgs[0].id });
    if (S.open !== o) return;
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    o.msgs = [...r.messages, ...o.msgs];
    o.hasMore = r.has_more;
    o.phonePrompt = r.phone_prompt;
    sync();
    scroller.scrollTop = scroller.scrollHeight - fromBottom;
    virtualize();
    rendered(o, t0);
  } finally {
    o.loading = false;
    spinner.hidden = true;
  }
  fillViewport();
}

// Like the real app: if the loaded rows do not fill the scroller, fetch more without a scroll event.
function fillViewport() {
  const o = S.open;
  if (o && o.hasMore && scroller.scrollHeight <= scroller.clientHeight + 10) loadOlder();
}

export async function openChat(chat, container) {
  if (S.open && S.open.chat.jid === chat.jid) return;
  const o = { chat, msgs: [], hasMore: false, phonePrompt: false, loading: true };
  S.open = o;
  spinner = h('div', { class: 'x10l6tqk msgs-spinner', hidden: true },
    h('span', { role: 'progressbar', 'aria-label': t('loading_messages'), 'data-testid': tid('msgs-loading-spinner'), class: 'x1n2onr6' }, icon('spinner')));
  scroller = h('div', {
    tabindex: '0', role: 'application', 'data-tab': '8', 'data-scrolltracepolicy': 'wa.web.conversation.messages',
    'data-testid': tid('conversation-panel-messages'),
    'aria-label': t('message_list'),
    class: 'x1n2onr6 x1rife3k conv-scroller',
  });
  const main = h('div', { id: 'main', class: 'x1n2onr6 main-pane' }, header(chat),
    h('div', { 'data-testid': tid('conversation-panel-wrapper'), class: 'x1n2onr6 panel-wrapper' },
      h('div', { 'data-testid': tid('conversation-panel-body'), class: 'x1n2onr6 panel-body' }, spinner, scroller)),
    composer());
  container.replaceChildren(main);
  let pending = false;
  scroller.addEventListener('scroll', () => {
    if (scroller.scrollTop < 80) loadOlder();
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; virtualize(); });
  });
  spinner.hidden = false;
  const t0 = performance.now();
  const r = await api('messages', { chat: chat.jid, mode: 'open' });
  if (S.open !== o) return;
  spinner.hidden = true;
  o.msgs = r.messages;
  o.hasMore = r.has_more;
  o.phonePrompt = r.phone_prompt;
  o.loading = false;
  sync();
  scroller.scrollTop = scroller.scrollHeight;
  virtualize();
  rendered(o, t0);
  fillViewport();
}

export async function refreshOpen() {
  const o = S.open;
  if (!o || o.loading || !o.msgs.length) return;
  const r = await api('messages', { chat: o.chat.jid, mode: 'newer', cursor: o.msgs[o.msgs.length - 1].id });
  if (S.open !== o || !r.messages.length) return;
  const listed = S.chats.find((c) => c.jid === o.chat.jid);
  if (listed) listed.unread = 0; // arrivals in the open chat are read at once (the server records them)
  const stick = atBottom();
  o.msgs = [...o.msgs, ...r.messages];
  sync();
  if (stick) scroller.scrollTop = scroller.scrollHeight;
  virtualize();
}
