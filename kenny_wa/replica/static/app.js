// Boot and auth state machine of the replica page: shell → QR / loading / main, conflict, logout.
import { S, h, icon, p6, tid, api } from './dom.js';
import { buildSide, renderList } from './chatlist.js';
import { openChat, refreshOpen } from './conversation.js';
import { t, pageLang } from './i18n.js';

const TOKEN_KEY = 'WAToken2';
const CLIENT_KEY = 'WABrowserId';
let cfg = null;
let pollTimer = null;
let qrTimer = null;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function appRoot() {
  let app = document.getElementById('app');
  if (!app) {
    app = h('div', { id: 'app', class: '_aigs' });
    document.body.prepend(app);
  }
  return app;
}

function screen(name, ...content) {
  S.screen = name;
  const wrapper = h('div', { class: 'app-wrapper-web font-fix os-linux', tabindex: '-1' }, content);
  appRoot().replaceChildren(wrapper);
  return wrapper;
}

async function bootProgress(ms) {
  const bar = document.querySelector('#wa_web_initial_startup progress, #initial_startup progress');
  const steps = 5;
  for (let i = 1; i <= steps; i++) {
    if (bar) bar.value = Math.round((i / steps) * 100);
    await sleep(ms / steps);
  }
  document.querySelectorAll('#wa_web_initial_startup, #initial_startup').forEach((e) => e.remove());
}

function unsupported() {
  screen('unsupported', h('div', { class: 'landing-wrapper unsupported-browser' }, h('div', { class: 'landing-main' },
    h('h1', { class: 'landing-title' }, t('unsupported_title')),
    h('p', {}, t('unsupported_text')),
    h('p', {}, h('a', { href: 'https://www.google.com/chrome/', target: '_blank', rel: 'noopener noreferrer' }, t('unsupported_link'))))));
}

// --- QR ------------------------------------------------------------------------------------
function drawQr(canvas, matrix) {
  const ctx = canvas.getContext('2d');
  const n = matrix.length;
  const cell = Math.floor(canvas.width / n);
  const pad = Math.floor((canvas.width - cell * n) / 2);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#122e31';
  matrix.forEach((row, y) => { for (let x = 0; x < n; x++) if (row[x] === '1') ctx.fillRect(pad + x * cell, pad + y * cell, cell, cell); });
}

async function showQr() {
  clearTimeout(qrTimer);
  const holder = h('div', { 'data-ref': '', class: '_akau x1n2onr6 qr-holder' }, h('span', {}));
  const canvas = h('canvas', { 'aria-label': t('qr_label'), role: 'img', width: '264', height: '264', class: 'x1n2onr6' });
  holder.append(canvas);
  screen('qr', h('div', { class: 'landing-wrapper' },
    h('div', { class: 'landing-header' }, icon('wa-wordmark-refreshed'), h('span', {}, 'WhatsApp')),
    h('div', { class: 'landing-window' }, h('div', { class: 'landing-main x78zum5' },
      h('div', { class: 'x1iyjqo2' },
        h('h1', { class: 'landing-title' }, t('qr_title')),
        h('ol', { id: 'link-device-instructions-list', class: 'x1n2onr6' }, t('qr_steps').map((step) => h('li', {}, step))),
        h('div', { role: 'button', tabindex: '0', class: 'x1rg5ohu link-phone' }, t('phone_login'))),
      holder))));
  let rotations = 0;
  const rotate = async () => {
    if (S.screen !== 'qr') return;
    const q = await api('qr');
    if (S.screen !== 'qr') return;
    holder.setAttribute('data-ref', q.ref);
    drawQr(canvas, q.matrix);
    rotations += 1;
    if (rotations < cfg.qr_max_rotations) qrTimer = setTimeout(rotate, cfg.qr_rotation_ms);
    else qrTimer = setTimeout(idle, cfg.qr_rotation_ms);
  };
  const idle = () => {
    if (S.screen !== 'qr') return;
    const btn = h('button', { class: 'x1n2onr6 qr-reload' }, h('div', {}, icon('refresh-large')), h('div', {}, t('qr_reload')));
    btn.addEventListener('click', () => { holder.firstChild.replaceChildren(); rotations = 0; holder.classList.remove('idle'); rotate(); });
    holder.firstChild.replaceChildren(btn);
    holder.classList.add('idle');
  };
  await rotate();
}

// --- loading / main ----------------------------------------------------------------------------
async function showLoading(ms) {
  const bar = h('progress', { value: '0', max: '100', dir: 'ltr' });
  screen('loading', h('div', { class: '_alyo landing-loading' },
    h('div', { class: 'graphic' }, icon('lock-refreshed')),
    h('div', { class: 'progress' }, bar),
    h('div', { class: 'main' }, t('loading_chats')),
    h('div', { class: 'secondary' }, icon('lock-small'), ` ${t('encrypted')}`)));
  const steps = 10;
  for (let i = 1; i <= steps; i++) {
    await sleep(ms / steps);
    bar.value = Math.round((i / steps) * 100);
  }
}

async function loadChats() {
  const r = await api('chats');
  S.chats = r.chats;
  S.version = r.version;
}

function intro() {
  return h('div', { class: 'x1n2onr6 intro', 'data-asset-intro-image-light': 'true' },
    h('h1', {}, t('intro_title')), h('div', {}, t('intro_text')));
}

async function showMain() {
  await loadChats();
  const right = h('div', { class: 'x1n2onr6 right-pane', id: 'main-wrapper' }, intro());
  const two = h('div', { class: 'two _aigs x1n2onr6', tabindex: '-1', 'data-testid': tid('wa-web-main-screen') });
  screen('main', two);
  buildSide(two, (jid) => {
    const chat = S.chats.find((c) => c.jid === jid);
    if (!chat) return;
    chat.unread = 0; // read by this linked device (the server records the receipts)
    chat.marked_unread = false;
    openChat(chat, right).then(renderList);
    renderList();
  });
  two.append(right);
}

// --- conflict / logout -------------------------------------------------------------------------
function showConflict() {
  if (document.querySelector('[data-animate-modal-popup]')) return;
  const close = h('div', { role: 'button', tabindex: '0', 'data-testid': 'popup-controls-cancel', class: 'x14m1o6m btn' }, h('div', {}, t('close')));
  const use = h('div', { role: 'button', tabindex: '0', 'data-testid': 'popup-controls-ok', class: 'x14m1o6m btn primary' }, h('div', {}, t('use_here')));
  const modal = h('div', { 'data-animate-modal-backdrop': 'true', class: 'x10l6tqk modal-backdrop' },
    h('div', { role: 'dialog', 'aria-modal': 'true', 'data-animate-modal-popup': 'true', 'data-testid': tid('confirm-popup'), class: 'x1n2onr6 modal' },
      h('div', { 'data-animate-modal-body': 'true', class: 'x1n2onr6' },
        h('div', { 'data-testid': 'popup-contents', class: 'x1n2onr6' }, t('conflict')),
        h('div', { class: 'x78zum5 popup-controls' }, close, use))));
  use.addEventListener('click', takeover);
  close.addEventListener('click', () => {
    S.conflictClosed = true;
    const again = h('div', { role: 'button', tabindex: '0', 'data-testid': 'popup-controls-ok', class: 'x14m1o6m btn primary' }, t('use_here'));
    again.addEventListener('click', takeover);
    screen('closed', h('div', { class: 'landing-wrapper' }, h('div', { class: 'landing-main' }, h('div', {}, t('conflict')), again)));
  });
  (document.getElementById('wa-popovers-bucket') || document.body).append(modal);
}

async function takeover() {
  await api('takeover', {}, { token: S.token, tab: S.tab });
  document.querySelectorAll('[data-animate-modal-backdrop]').forEach((e) => e.remove());
  if (S.screen !== 'main') await showMain();
}

function logout() {
  localStorage.removeItem(TOKEN_KEY);
  clearInterval(pollTimer);
  location.reload();
}

// --- polling -----------------------------------------------------------------------------------
let polling = false;
async function poll() {
  if (polling) return;
  polling = true;
  try { await pollOnce(); } finally { polling = false; }
}

async function pollOnce() {
  let r;
  try {
    r = await api('poll', { client: S.client, tab: S.tab, screen: S.screen === 'qr' ? 'qr' : 'app' });
  } catch (e) { return; }
  if (r.settings_version !== S.settingsVersion) { location.reload(); return; }
  if (S.screen === 'qr') {
    if (r.paired) {
      S.token = r.paired;
      localStorage.setItem(TOKEN_KEY, r.paired);
      clearTimeout(qrTimer);
      await fetch(`/__replica/page/boot?token=${encodeURIComponent(S.token)}&tab=${S.tab}`);
      await showLoading(cfg.loading_ms);
      await showMain();
    }
    return;
  }
  if (r.auth === 'revoked') { logout(); return; }
  if (r.conflict) { showConflict(); return; }
  if (S.screen === 'main' && r.version !== S.version) {
    await loadChats();
    renderList();
    await refreshOpen();
    renderList();
  }
}

// --- interactions with the composer (the read-only proof) ----------------------------------------
function recordInteractions() {
  const queue = [];
  let timer = null;
  const flush = () => { timer = null; const batch = queue.splice(0); if (batch.length) api('interactions', {}, batch).catch(() => {}); };
  const where = (el) => {
    if (!(el instanceof Element)) return null;
    if (el.closest('[data-tab="10"]')) return 'compose';
    if (el.closest('footer button.send')) return 'send';
    if (el.closest('footer')) return 'footer';
    return null;
  };
  const handler = (e) => {
    const target = where(e.target);
    if (!target) return;
    queue.push({ type: e.type, target, key: e.key || null, trusted: e.isTrusted, chat: S.open ? S.open.chat.jid : null, ts: Date.now() });
    if ((e.type === 'keydown' && e.key === 'Enter' && target === 'compose') || (e.type === 'click' && target === 'send')) {
      e.preventDefault();
      const box = document.querySelector('[data-tab="10"]');
      queue.push({ type: 'send', target, key: null, trusted: e.isTrusted, chat: S.open ? S.open.chat.jid : null, ts: Date.now(), text: box ? box.textContent : '' });
      if (box) box.replaceChildren(h('p', { class: 'selectable-text copyable-text' }, h('br')));
    }
    if (!timer) timer = setTimeout(flush, 50);
  };
  for (const type of ['keydown', 'keyup', 'keypress', 'beforeinput', 'input', 'paste', 'mousedown', 'click', 'focusin']) {
    document.addEventListener(type, handler, true);
  }
}

// The served shell was written before the page knew its language (when the browser's decides).
function speakPageLanguage() {
  const root = document.documentElement;
  root.setAttribute(root.hasAttribute('loc') ? 'loc' : 'lang', pageLang());
  document.querySelectorAll('#wa_web_initial_startup ._apds, #initial_startup .secondary').forEach((el) => {
    const text = [...el.childNodes].reverse().find((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (text) text.textContent = text.textContent.match(/^\s*/)[0] + t('encrypted');
  });
}

// --- boot ---------------------------------------------------------------------------------------
async function main() {
  S.client = localStorage.getItem(CLIENT_KEY) || crypto.randomUUID();
  localStorage.setItem(CLIENT_KEY, S.client);
  S.token = localStorage.getItem(TOKEN_KEY);
  S.tab = crypto.randomUUID();
  cfg = await (await fetch(`/__replica/page/boot?token=${encodeURIComponent(S.token || '')}&tab=${S.tab}`)).json();
  S.era = cfg.era;
  S.lang = cfg.lang;
  S.locale = cfg.locale;
  S.capsSeparators = cfg.caps_separators;
  speakPageLanguage();
  S.ownName = cfg.own_name;
  S.settingsVersion = cfg.settings_version;
  await bootProgress(cfg.boot_ms);
  if (navigator.userAgent.includes('HeadlessChrome')) { unsupported(); return; }
  recordInteractions();
  window.addEventListener('replica-logged-out', () => { if (S.screen !== 'qr') logout(); });
  if (cfg.auth === 'ok') await showMain();
  else {
    if (cfg.auth === 'revoked') localStorage.removeItem(TOKEN_KEY);
    S.token = null;
    await showQr();
  }
  pollTimer = setInterval(poll, cfg.poll_ms);
}

main();
