// The left pane: #side, the search box, filters and the virtualised chat list grid (#pane-side).
import { S, h, icon, wdsIcon, p6, tid, bidi, attachFiber, api } from './dom.js';
import * as fmt from './fmt.js';
import { t, summary } from './i18n.js';

const ROW_H = 72;
const OVERSCAN = 4;
let pane = null;
let grid = null;
let rendered = new Map(); // jid → row element
let onOpen = () => {};

function visibleChats() {
  const q = S.query.trim().toLowerCase();
  if (q) return S.chats.filter((c) => c.title.toLowerCase().includes(q));
  let list = S.chats.filter((c) => (S.view === 'archived' ? c.archived : !c.archived));
  if (S.view === 'unread') list = list.filter((c) => c.unread > 0);
  if (S.view === 'groups') list = list.filter((c) => c.is_group);
  if (S.view === 'favorites') list = [];
  return list;
}

function preview(c) {
  const p = c.preview;
  const text = summary(p);
  const title = (p.out ? t('you_prefix') : '') + text;
  const kindIcon = { image: 'status-image', video: 'status-video', gif: 'status-gif', voice: 'status-ptt', document: 'status-document', sticker: 'status-sticker', deleted: 'recalled' }[p.kind];
  return h('span', { 'data-testid': tid('last-msg-status'), title, class: 'x78zum5 x1cy8zhl x1iyjqo2 _ao3e' },
    p.out && p.receipt ? (p6() ? wdsIcon(p.receipt === 'read' ? 'wds-ic-read' : p.receipt === 'delivered' ? 'wds-ic-delivered' : 'wds-ic-sent', { 'aria-label': t(p.receipt) }) : icon(p.receipt === 'sent' ? 'msg-check' : 'msg-dblcheck')) : null,
    p.author ? h('span', { dir: 'auto', class: '_ao3e' }, h('span', { dir: 'auto' }, bidi(p.author)), h('span', {}, ': ')) : null,
    kindIcon ? icon(kindIcon) : null,
    h('span', { dir: 'ltr', class: 'x1iyjqo2 x6ikm8r x10wlt62 _ao3e' }, text));
}

function unread(c) {
  if (!c.unread && c.marked_unread) {
    // "Mark as unread": the same green badge, empty, labelled instead of counted
    return h('span', { 'data-testid': tid('icon-unread-count'), 'aria-label': t('marked_unread'), class: 'x1rg5ohu x1xaadd7 x1f6kntn marked-unread' });
  }
  if (!c.unread) return null;
  const label = t('unread', { n: c.unread, count: fmt.count(c.unread) });
  return h('span', { 'data-testid': tid('icon-unread-count'), 'aria-label': label, class: 'x1rg5ohu x1xaadd7 x1f6kntn' }, h('span', { class: 'x140p0ai' }, String(c.unread)));
}

// The chat row's context menu (right click, or the chevron shown on hover), in the popover
// bucket. Only "Mark as unread" / "Mark as read" change anything; every choice is recorded.
function closeMenu() {
  document.querySelectorAll('.chat-menu').forEach((m) => m.remove());
}

function showMenu(c, x, y) {
  closeMenu();
  const item = (action) => {
    const li = h('li', { tabindex: '-1', role: 'button', 'data-animate-dropdown-item': 'true', 'data-testid': tid(`mi-${action.replace('_', '-')}`), class: 'x1n2onr6 menu-item' },
      h('div', { 'aria-label': t(`menu_${action}`), class: 'x1iyjqo2' }, t(`menu_${action}`)));
    li.addEventListener('click', (e) => {
      e.stopPropagation();
      closeMenu();
      api('interactions', {}, [{ type: 'menu', target: action, key: null, trusted: e.isTrusted, chat: c.jid, ts: Date.now() }]).catch(() => {});
      if (action === 'mark_unread') {
        c.marked_unread = true;
        api('mark-unread', {}, { chat: c.jid }).catch(() => {});
        renderList();
      }
    });
    return li;
  };
  const actions = [c.archived ? 'unarchive' : 'archive', 'mute', 'pin', c.unread || c.marked_unread ? 'mark_read' : 'mark_unread', 'delete'];
  const menu = h('div', { role: 'application', class: 'x10l6tqk chat-menu', style: `left: ${x}px; top: ${y}px;` },
    h('ul', { class: 'x1n2onr6' }, actions.map(item)));
  (document.getElementById('wa-popovers-bucket') || document.body).append(menu);
}

document.addEventListener('mousedown', (e) => {
  if (!(e.target instanceof Element) || !e.target.closest('.chat-menu')) closeMenu();
}, true);

function cell(c) {
  const titleText = bidi(c.title);
  const avatar = h('div', { role: 'gridcell', 'aria-colindex': '1', class: '_ak8n x1n2onr6' }, icon(c.is_group ? 'default-group' : 'default-user'));
  const main = h('div', { role: 'gridcell', 'aria-colindex': '2', class: '_ak8l x1iyjqo2' },
    h('div', { class: '_ak8o x78zum5' },
      h('div', { 'data-testid': tid('cell-frame-title'), class: '_ak8q x1iyjqo2' },
        h('span', { dir: 'auto', title: titleText, class: 'x1iyjqo2 x6ikm8r x10wlt62 x1n2onr6 xlyipyv xuxw1ft x1rg5ohu _ao3e', style: 'min-height: 0px;' }, titleText)),
      h('div', { 'data-testid': tid('cell-frame-primary-detail'), class: '_ak8i' }, h('span', { class: 'x1rg5ohu x1xaadd7' }, fmt.listTime(c.t)))),
    h('div', { 'data-testid': tid('cell-frame-secondary'), class: '_ak8j x78zum5' },
      h('div', { class: '_ak8k x1iyjqo2' }, preview(c)),
      h('div', { role: 'gridcell', 'aria-colindex': '1', class: '_ahlk' }, h('span', {}, unread(c), c.muted ? icon('mute-notifications-refreshed', { 'data-testid': tid('mute-notifications-refreshed') }) : null,
        h('button', { 'aria-label': t('open_menu'), class: 'x14m1o6m row-chevron' }, icon('down'))))));
  const frame = h('div', { 'data-testid': tid('cell-frame-container'), class: p6() ? 'x10l6tqk xh8yej3 x1g42fcv x78zum5' : '_ak72 _ak73 x78zum5' }, avatar, main);
  attachFiber(frame, c, 3);
  return frame;
}

function row(c, index, total) {
  const style = `z-index: ${total - index}; transition: none 0s ease 0s; height: ${ROW_H}px; transform: translateY(${index * ROW_H}px);`;
  const selected = S.open && S.open.jid === c.jid ? 'true' : 'false';
  let el;
  if (S.era === 'p6') {
    el = h('div', { role: 'row', 'data-testid': `list-item-${index}`, tabindex: '-1', 'aria-selected': selected, class: 'x10l6tqk xh8yej3 x1g42fcv chat-row', style }, h('div', { tabindex: '-1', class: 'x1n2onr6' }, cell(c)));
    attachFiber(el, c, 5);
  } else {
    el = h('div', { role: 'listitem', class: 'x10l6tqk xh8yej3 x1g42fcv chat-row', style },
      h('div', { class: '' }, h('div', { tabindex: '-1', 'aria-selected': selected, role: 'row' }, cell(c))));
  }
  el.__jid = c.jid;
  el.__sig = `${index}|${c.t}|${c.unread}|${c.marked_unread}|${summary(c.preview)}|${selected}`;
  return el;
}

export function renderList() {
  if (!grid) return;
  const list = visibleChats();
  const searching = !!S.query.trim();
  const offset = searching ? 1 : 0; // the "Chats" section header row in search results
  grid.setAttribute('aria-rowcount', String(list.length + offset));
  grid.setAttribute('aria-label', t(searching ? 'search_results' : 'chat_list'));
  grid.style.height = `${(list.length + offset) * ROW_H}px`;
  const top = pane.scrollTop - grid.offsetTop;
  const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN - offset);
  const last = Math.min(list.length, Math.ceil((top + pane.clientHeight) / ROW_H) + OVERSCAN);
  const want = new Map();
  for (let i = first; i < last; i++) want.set(list[i].jid, i);
  for (const [jid, el] of rendered) {
    if (!want.has(jid)) { el.remove(); rendered.delete(jid); }
  }
  const header = grid.querySelector(':scope > .search-header');
  if (searching && !header) {
    grid.prepend(h('div', { role: 'row', class: 'search-header x10l6tqk', style: `height: ${ROW_H}px; transform: translateY(0px);` }, h('div', { class: 'x1n2onr6' }, h('span', { class: 'x1rg5ohu' }, t('chats')))));
  } else if (!searching && header) header.remove();
  for (const [jid, i] of want) {
    const c = list[i];
    const fresh = row(c, i + offset, list.length + offset);
    const old = rendered.get(jid);
    if (old && old.__sig === fresh.__sig) continue;
    if (old) old.replaceWith(fresh); else grid.append(fresh);
    rendered.set(jid, fresh);
  }
}

function searchBox() {
  let box;
  const onTyped = (e) => {
    if (!e.isTrusted) return; // only real keystrokes filter; setting .value does nothing
    S.query = box.tagName === 'INPUT' ? box.value : box.textContent;
    pane.scrollTop = 0;
    renderList();
  };
  if (p6()) {
    box = h('input', { type: 'text', role: 'textbox', 'data-tab': '3', 'aria-label': t('search_placeholder'), placeholder: t('search_placeholder'), 'aria-autocomplete': 'list', class: 'selectable-text x1n2onr6 xy9co9w x1iyjqo2 search-input', value: '' });
  } else {
    box = h('div', { contenteditable: 'true', role: 'textbox', spellcheck: 'true', 'data-tab': '3', 'data-lexical-editor': 'true', 'aria-label': t('search_legacy'), title: t('search_legacy'), class: 'lexical-rich-text-input x1hx0egp x6ikm8r x1odjw0f x1k6rcq7 search-input' });
  }
  box.addEventListener('input', onTyped);
  box.addEventListener('keydown', (e) => {
    if (e.isTrusted && e.key === 'Escape') { if (box.tagName === 'INPUT') box.value = ''; else box.textContent = ''; S.query = ''; renderList(); }
  });
  return h('div', { class: 'x1n2onr6 search-wrap' }, h('button', { 'aria-label': t('search'), class: 'x14m1o6m' }, icon('search')), box);
}

function filters() {
  const chip = (id, label, view) => {
    const b = h('button', { id, role: 'tab', 'aria-selected': S.view === view ? 'true' : 'false', class: 'x14m1o6m chip' }, h('div', {}, label));
    b.addEventListener('click', () => { S.view = view; buildSide(document.getElementById('side').parentElement, onOpen); });
    return b;
  };
  return h('div', { role: 'tablist', 'aria-label': 'chat-list-filters', class: 'x78zum5 filters' },
    chip('all-filter', t('filter_all'), 'all'), chip('unread-filter', t('filter_unread'), 'unread'), chip('favorites-filter', t('filter_favorites'), 'favorites'), chip('group-filter', t('filter_groups'), 'groups'));
}

function archivedEntry() {
  if (!S.chats.some((c) => c.archived)) return null;
  // the count is of archived chats with unread messages; none: no count
  const n = S.chats.filter((c) => c.archived && (c.unread || c.marked_unread)).length;
  const b = h('div', { role: 'button', tabindex: '0', 'aria-label': t('archived'), class: 'x1n2onr6 archived-row', style: `height: ${ROW_H}px;` },
    icon('archived'), h('div', { class: 'x1iyjqo2' }, t('archived')), n ? h('span', { class: 'x1rg5ohu' }, String(n)) : null);
  b.addEventListener('click', () => { S.view = 'archived'; buildSide(document.getElementById('side').parentElement, onOpen); });
  return b;
}

export function buildSide(parent, openChat) {
  onOpen = openChat;
  rendered = new Map();
  const header = h('header', { class: 'x1n2onr6 side-header' },
    h('div', { class: 'x78zum5' }, S.view === 'archived'
      ? [h('button', { 'aria-label': t('back'), class: 'x14m1o6m back' }, icon('back')), h('h1', {}, t('archived'))]
      : [h('h1', { class: 'x1rg5ohu' }, 'WhatsApp'),
        h('button', { 'aria-label': t('new_chat'), title: t('new_chat'), class: 'x14m1o6m' }, icon('chat'), icon('new-chat-outline')),
        h('button', { 'aria-label': t('menu'), title: t('menu'), class: 'x14m1o6m' }, icon('menu'))]));
  const back = header.querySelector('.back');
  if (back) back.addEventListener('click', () => { S.view = 'all'; buildSide(parent, openChat); });
  grid = h('div', { 'aria-label': t('chat_list'), role: 'grid', 'aria-rowcount': '0', 'aria-colcount': '1', 'data-testid': tid('chat-list'), class: 'x1n2onr6 x1y1aw1k chat-grid' });
  grid.addEventListener('click', (e) => {
    const r = e.target.closest('.chat-row');
    if (!r || !r.__jid) return;
    const chevron = e.target.closest('.row-chevron');
    if (chevron) {
      const c = S.chats.find((x) => x.jid === r.__jid);
      const b = chevron.getBoundingClientRect();
      if (c) showMenu(c, b.left, b.bottom);
      return;
    }
    openChat(r.__jid);
  });
  grid.addEventListener('contextmenu', (e) => {
    const r = e.target.closest('.chat-row');
    const c = r && S.chats.find((x) => x.jid === r.__jid);
    if (!c) return;
    e.preventDefault();
    showMenu(c, e.clientX, e.clientY);
  });
  pane = h('div', { id: 'pane-side', 'data-scrolltracepolicy': 'wa.web.chatlist', tabindex: '-1', class: 'x1n2onr6 pane-side' },
    S.view === 'all' ? archivedEntry() : null, grid);
  let pending = false;
  pane.addEventListener('scroll', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; renderList(); });
  });
  const side = h('div', { id: 'side', class: 'x1n2onr6 side' }, header, S.view === 'archived' ? null : searchBox(), S.view === 'archived' ? null : filters(), pane);
  const old = document.getElementById('side');
  if (old) old.replaceWith(side); else parent.append(side);
  renderList();
}
