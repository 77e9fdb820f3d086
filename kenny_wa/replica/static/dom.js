// Small DOM helpers shared by the replica's page modules, plus the React-fiber-like expandos.
export const S = {
  era: 'p6', lang: null, locale: null, capsSeparators: false, ownName: '', token: null, client: null, tab: null,
  chats: [], version: -1, settingsVersion: 0, open: null, screen: 'boot', view: 'all', query: '',
};

export const p6 = () => S.era === 'p6';
export const tid = (name) => (p6() ? name : null); // data-testids exist only in the 2026 profile

export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? 'true' : String(v));
  }
  append(el, kids);
  return el;
}

function append(el, kids) {
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    if (Array.isArray(k)) append(el, k);
    else el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(title, w = 24, h2 = 24) {
  const s = document.createElementNS(SVG_NS, 'svg');
  s.setAttribute('viewBox', `0 0 ${w} ${h2}`);
  s.setAttribute('height', h2);
  s.setAttribute('width', w);
  s.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  const t = document.createElementNS(SVG_NS, 'title');
  t.textContent = title;
  const p = document.createElementNS(SVG_NS, 'path');
  p.setAttribute('d', `M2 2h${w - 4}v${h2 - 4}H2z`);
  p.setAttribute('fill', 'currentColor');
  s.append(t, p);
  return s;
}

// A legacy icon: <span data-icon="name"><svg><title>name</title>…</svg></span>
export const icon = (name, attrs = {}) =>
  h('span', { 'aria-hidden': 'true', 'data-icon': name, class: 'x1c4vz4f xjzk8eq', ...attrs }, svg(name));

// 2026 icons: the name lives only in the svg <title> (wds-ic-…)
export const wdsIcon = (name, attrs = {}) => h('span', { class: 'x1c4vz4f x2lah0s', ...attrs }, svg(name));

export const LRE = '\u202A';
export const PDF = '\u202C';
export const bidi = (s) => LRE + s + PDF;

// React-like internals: a fiber expando whose .return chain reaches memoizedProps.chat
const suffix = Math.random().toString(36).slice(2, 13);
export const FIBER_KEY = '__reactFiber$' + suffix;
export const PROPS_KEY = '__reactProps$' + suffix;

export function chatModel(c) {
  const [user, server] = c.jid.split('@');
  const id = { server, user, _serialized: c.jid, toString() { return c.jid; } };
  return { id, __x_id: id, name: c.title, formattedTitle: c.title, isGroup: c.is_group, t: Math.floor(c.t / 1000) };
}

export function attachFiber(el, chat, depth) {
  let fiber = {
    tag: 0, type: { displayName: 'ChatProvider' }, key: null,
    memoizedProps: { chat: chatModel(chat), children: null }, return: { tag: 3, memoizedProps: null, return: null },
  };
  for (let i = 0; i < depth; i++) {
    fiber = { tag: i % 2 ? 11 : 0, type: { displayName: 'Wrapper' + i }, key: null, memoizedProps: { children: null }, return: fiber };
  }
  el[FIBER_KEY] = { tag: 5, type: el.tagName.toLowerCase(), stateNode: el, key: null, memoizedProps: { className: el.className }, return: fiber };
  el[PROPS_KEY] = { className: el.className, children: null };
}

export async function api(name, params = {}, body) {
  const qs = new URLSearchParams({ token: S.token || '', ...params });
  const res = await fetch(`/__replica/page/${name}?${qs}`, body === undefined ? {} : {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), keepalive: true,
  });
  if (res.status === 429) {
    const html = await res.text();
    document.open(); document.write(html); document.close();
    throw new Error('rate limited');
  }
  if (res.status === 401) { window.dispatchEvent(new Event('replica-logged-out')); throw new Error('logged out'); }
  return res.json();
}
