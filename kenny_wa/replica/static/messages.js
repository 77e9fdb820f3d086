// Builders for the conversation rows of each DOM era (p6: Jul–Sep 2026, p5: Apr–Jun 2026, p4: ≤ Mar 2026).
import { S, h, icon, wdsIcon, p6, tid, svg } from './dom.js';
import * as fmt from './fmt.js';
import { t, summary } from './i18n.js';

const EMOJI_SRC = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
const blobUrls = new Map(); // message id → blob: URL (kept for the page's lifetime, like the real media cache)

export function packedId(m, chat) {
  if (S.era !== 'p4') return m.id;
  const base = `${m.out ? 'true' : 'false'}_${chat.jid}_${m.id}`;
  return chat.is_group && !m.out && m.sender ? `${base}_${m.sender.lid}` : base;
}

export function segs(list) {
  return list.map(([k, v]) => {
    if (k === 'a') return h('a', { href: v, target: '_blank', rel: 'noopener noreferrer', class: '_ao3e selectable-text copyable-text' }, v);
    if (k === 'e') return h('img', { class: 'b57 emoji wa _ao3e', alt: v, 'data-plain-text': v, draggable: 'false', src: EMOJI_SRC, crossorigin: 'anonymous' });
    return v;
  });
}

const textSpan = (list, testid = 'selectable-text') =>
  h('span', { 'data-testid': S.era === 'p4' && testid !== 'selectable-text' ? null : testid, dir: 'ltr', class: '_ao3e selectable-text copyable-text x15bjb6t x1n2onr6' },
    h('span', {}, segs(list)));

function senderName(m) {
  return m.out ? S.ownName : m.sender.display;
}

function receipt(m) {
  if (!m.out) return null;
  const label = t({ read: 'read', delivered: 'delivered', sent: 'sent' }[m.receipt] || 'pending');
  if (p6()) {
    const name = { read: 'wds-ic-read', delivered: 'wds-ic-delivered', sent: 'wds-ic-sent' }[m.receipt] || 'wds-ic-pending';
    return wdsIcon(name, { 'aria-label': label, role: 'img' });
  }
  const name = { read: 'msg-dblcheck', delivered: 'msg-dblcheck', sent: 'msg-check' }[m.receipt] || 'msg-time';
  return icon(name, { 'aria-label': label, 'aria-hidden': null, class: m.receipt === 'read' ? 'x1rg5ohu read' : 'x1rg5ohu' });
}

function meta(m) {
  return h('div', { 'data-testid': tid('msg-meta'), class: 'x13yyeie xx3o462 x1a5l9x9 x6s0dn4 x78zum5' },
    m.edited ? h('span', { 'data-testid': tid('msg-edited'), class: 'x1rg5ohu x1pg5gke' }, t('edited')) : null,
    h('span', { dir: 'auto', class: 'x1c4vz4f x2lah0s' }, fmt.time(m.t)),
    receipt(m));
}

function author(m) {
  const s = m.sender;
  const name = s.saved ? s.display : s.push;
  return h('div', { class: '_ahxj _ahxz x78zum5 xw0s12w x1y4xi8', role: '' },
    h('span', { 'data-testid': S.era === 'p4' ? null : 'author', dir: 'auto', 'aria-label': s.saved ? name : t('maybe', { name }), class: '_ahxy _ao3e' }, name),
    s.saved ? null : h('span', { class: '_ahx_', role: 'button' }, s.phone));
}

function quoted(q) {
  const who = q.out ? t('you') : q.author;
  return h('div', { class: '_aju2' },
    h('div', { role: 'button', 'aria-label': t('quoted'), tabindex: '0', class: '_aju3 x1n2onr6' },
      h('div', { class: '_ahxj x78zum5', role: '' }, h('span', { dir: 'auto', 'aria-label': who, class: '_ahxy _ao3e' }, who)),
      h('div', { dir: 'ltr', role: 'button', class: 'x104kibb' }, h('span', { dir: 'auto', class: 'quoted-mention _ao3e' }, segs(q.segs.length ? q.segs : [['t', summary(q)]])))));
}

function forwarded(m) {
  return h('div', { 'data-testid': tid('forwarded-header'), class: 'x78zum5 x6s0dn4 x1k4tb9n' },
    icon('forward-refreshed'), h('span', { class: 'x1rg5ohu' }, t('forwarded')));
}

// Media bubbles carry a hover "forward" shortcut with the same icon as the forwarded label
// (the SAN 2025 capture's GIF row): it marks nothing.
function hoverForward(m) {
  if (!['image', 'video', 'gif'].includes(m.kind)) return null;
  return h('div', { class: 'x10l6tqk _ahmx' }, h('div', { role: 'button', 'aria-label': 'Forward media' }, icon('forward-refreshed')));
}

function mediaBox(m, label, testid, extra = []) {
  const a = m.att;
  const w = Math.min(330, a.w || 330);
  const hgt = Math.round(w * ((a.h || 1) / (a.w || 1)));
  return h('div', { role: 'button', tabindex: '0', 'aria-label': label, 'data-testid': tid(testid), class: '_ahn4 x1n2onr6', style: `width: ${w}px; height: ${hgt}px;` },
    h('div', { class: '_ahn8 x10l6tqk', style: `background-image: url("data:image/jpeg;base64,${a.thumb}"); background-size: cover; width: 100%; height: 100%;` }),
    extra);
}

async function loadBlob(m, holder) {
  let url = blobUrls.get(m.id);
  if (!url) {
    const res = await fetch(`${m.att.src}?token=${encodeURIComponent(S.token)}`);
    if (!res.ok) return;
    const enc = new Uint8Array(await res.arrayBuffer());
    const key = Uint8Array.from(atob(m.att.key), (c) => c.charCodeAt(0));
    for (let i = 0; i < enc.length; i++) enc[i] ^= key[i % key.length];
    url = URL.createObjectURL(new Blob([enc], { type: m.att.mt }));
    blobUrls.set(m.id, url);
  }
  if (!holder.isConnected) return;
  holder.append(h('img', { src: url, alt: '', draggable: 'false', class: 'x15kfjtz x1c4vz4f x2lah0s xdl72j9 x127lhb5 x4afe7t xa3vuyk x10e4vud', style: 'width: 100%; position: absolute; top: 0; left: 0;' }));
}

function withPrePlain(m, children) {
  return h('div', { class: 'copyable-text _ahy1', 'data-pre-plain-text': fmt.prePlain(m.t, senderName(m)) }, children);
}

function body(m) {
  const q = m.quoted ? quoted(m.quoted) : null;
  switch (m.kind) {
    case 'text':
      return withPrePlain(m, [q, h('div', { class: '_ahy5' }, h('div', { class: '_ahwq x6s0dn4 xaejkm2' }, textSpan(m.segs)))]);
    case 'deleted': {
      const inner = h('div', { class: 'x78zum5 x6s0dn4' }, icon('recalled'),
        h('span', { dir: 'auto', class: 'x1rg5ohu _ao3e' }, summary(m)));
      return S.era === 'p6' ? inner : withPrePlain(m, inner);
    }
    case 'image': {
      const provider = h('div', { 'data-testid': tid('media-url-provider'), class: 'x1n2onr6 x5yr21d xh8yej3', style: 'position: absolute; top: 0; left: 0; width: 100%; height: 100%;' });
      const box = mediaBox(m, t('open_picture'), 'image-thumb');
      box.append(provider);
      queueMicrotask(() => loadBlob(m, provider));
      const cap = m.segs.length
        ? withPrePlain(m, h('div', { class: '_ahy5' }, textSpan(m.segs, p6() ? 'image-caption selectable-text' : 'selectable-text')))
        : null;
      return [q, box, cap];
    }
    case 'video': {
      const box = mediaBox(m, t('play_video'), 'video-content', [icon('media-play'), h('span', { class: 'x1rg5ohu' }, fmt.duration(m.att.duration || 0))]);
      return [box, m.segs.length ? withPrePlain(m, h('div', { class: '_ahy5' }, textSpan(m.segs))) : null];
    }
    case 'gif':
      return mediaBox(m, t('play_gif'), null, [h('div', { class: '_ahmy' }, icon('tenor'))]);
    case 'voice': {
      const d = m.att.duration || 0;
      return h('div', { class: 'x78zum5 x6s0dn4 _ak4b' },
        h('span', { 'aria-label': t('voice_message'), class: 'x1c4vz4f' }),
        h('button', { 'aria-label': t('play_voice'), class: 'x14m1o6m x126ac8l' }, icon('audio-play')),
        h('div', { role: 'slider', tabindex: '0', 'aria-valuenow': '0', 'aria-valuemin': '0', 'aria-valuemax': String(d), 'aria-valuetext': `0:00/${fmt.duration(d)}`, class: 'x1n2onr6' },
          h('canvas', { width: '190', height: '24', class: 'x1lliihq' })),
        h('div', { 'aria-hidden': 'true', class: 'x1rg5ohu' }, fmt.duration(d)),
        icon(m.fwd ? 'ptt-file' : 'ptt-status'));
    }
    case 'document': {
      const a = m.att;
      const ext = (a.filename.split('.').pop() || '').toUpperCase();
      const size = a.size >= 1e6 ? `${fmt.decimal(a.size / 1e6)} MB` : `${fmt.count(Math.max(1, Math.round(a.size / 1e3)))} kB`;
      return h('div', { role: 'button', tabindex: '0', title: t('download', { name: a.filename }), 'data-testid': tid('document-thumb'), class: 'x78zum5 x6s0dn4 _ak4c' },
        icon('document'),
        h('div', { class: 'x1iyjqo2' }, h('span', { dir: 'auto', title: a.filename, class: 'x1rg5ohu _ao3e' }, a.filename),
          h('div', { class: 'x78zum5' }, h('span', { title: ext }, ext), h('span', {}, ' • '), h('span', { title: size }, size))),
        icon('audio-download'));
    }
    case 'sticker': {
      // No capture documents sticker markup (reference §2.7); every era gets an aria-label so
      // P4/P5, which have no test ids, still carry one accessible marker.
      const box = h('div', { 'data-testid': tid('sticker'), 'aria-label': t('sticker'), role: 'img', class: 'x1n2onr6 _ak4d', style: 'width: 190px; height: 190px; position: relative;' });
      queueMicrotask(() => loadBlob(m, box));
      return box;
    }
    default:
      return null;
  }
}

// One bubble under the message: every emoji once, and the total when more than one person reacted.
function reactions(m) {
  if (!m.reactions.length) return null;
  const emojis = m.reactions.map(([emoji]) => emoji);
  const count = m.reactions.reduce((n, [, c]) => n + c, 0);
  const label = t('reactions', { n: count > 1 ? count : 1, emoji: emojis.join(', ') });
  return h('div', { class: 'x1n2onr6 _ak4e' },
    h('button', { 'aria-label': label, 'data-testid': tid('reaction-bubble'), class: 'x14m1o6m' },
      segs(emojis.map((emoji) => ['e', emoji])), count > 1 ? h('span', {}, String(count)) : null));
}

function bubble(m, ctx) {
  const group = ctx.chat.is_group;
  const first = ctx.first;
  const tailName = m.out ? 'tail-out' : 'tail-in';
  const tail = first && !m.fwd ? h('span', { 'aria-hidden': 'true', 'data-icon': tailName, 'data-testid': tid(tailName), class: 'x1n2onr6 x10l6tqk' }, svg(tailName, 8, 13)) : null;
  const aria = h('span', { 'aria-label': m.out ? t('you_label') : `${m.sender.display}:` });
  const parts = [
    group && !m.out && first ? author(m) : null,
    m.fwd && m.kind !== 'deleted' ? forwarded(m) : null,
    body(m),
    hoverForward(m),
    meta(m),
  ];
  const cls = p6()
    ? 'focusable-list-item x1klvx2g xahtqtb x78zum5 x1n2onr6'
    : `${m.out ? 'message-out' : 'message-in'} focusable-list-item _amjy _amjw${group && !m.out ? ' _amkz' : ''} x1klvx2g xahtqtb`;
  if (p6()) {
    const container = h('div', { 'data-testid': 'msg-container', class: '_amk4 _amkd x9f619 x1hx0egp' }, aria, parts);
    return h('div', { class: cls }, tail, container, reactions(m));
  }
  return h('div', { class: cls }, tail, aria, h('div', { class: '_amk4 _amkd' }, h('div', { class: '_amk6 _amlo' }, parts)), reactions(m));
}

function systemContent(m) {
  const e2e = m.kind === 'e2e';
  const inner = [e2e ? icon('lock-small') : null, h('span', { dir: 'auto', 'data-testid': tid('system_message'), class: 'x1rg5ohu _ao3e' }, e2e ? t('e2e_notice') : summary(m))];
  return h('div', { class: 'focusable-list-item x1n2onr6' },
    h('div', { 'data-testid': tid('msg-notification-container'), class: '_amk4 x78zum5 xl56j7k' }, inner));
}

// The content inside the [data-id] node; replaced by an empty data-virtualized="true" shell when far away.
export function inflate(m, ctx) {
  const content = m.kind === 'system' || m.kind === 'e2e' ? systemContent(m) : bubble(m, ctx);
  return h('div', { 'data-virtualized': 'false', class: 'x78zum5 xdt5ytf' }, h('div', {}, content));
}

export function messageRow(m, ctx) {
  const outerClass = p6() ? 'x1n2onr6 xa0aww2' : (m.out ? '_amjv xa0aww2' : '_amjv xscbp6u');
  const outer = h('div', { tabindex: '-1', class: outerClass, 'data-id': packedId(m, ctx.chat), 'data-testid': p6() ? `conv-msg-${m.id}` : null },
    inflate(m, ctx));
  const row = h('div', { role: 'row', class: m.out ? 'row-out' : 'row-in' }, outer);
  row.__msg = m;
  row.__ctx = ctx;
  return row;
}

export function dateRow(t) {
  return h('div', { role: 'row', class: 'row-date' },
    h('div', { class: 'x1n2onr6 x78zum5 xl56j7k' }, h('div', { class: '_amjw _amk1' }, h('span', { dir: 'auto', class: 'x1rg5ohu _ao3e' }, fmt.dayLabel(t)))));
}

export function phonePromptRow() {
  return h('div', { role: 'row', class: 'row-date' },
    h('div', { role: 'button', tabindex: '0', class: 'x1n2onr6 x78zum5 xl56j7k _amjw' },
      icon('info'), h('span', { dir: 'auto', class: 'x1rg5ohu _ao3e' }, t('phone_prompt'))));
}
