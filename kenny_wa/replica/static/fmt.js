// Dates and times with the page's Intl, in the browser's time zone (like the real page). They
// follow the page language (i18n.js), or the replica's `locale` setting when that is set.
import { S } from './dom.js';
import { t, pageLang, upper } from './i18n.js';

const DAY = 86400000;
// Where the reference shows a language's own form that Intl's numeric default does not give:
// zh-CN `[下午1:23, 2026年9月18日]` (reference §2.3).
const FORMS = {
  zh: { time: { hour12: true }, date: { month: 'long' } },
};
let cache = null;

// A 24-hour clock is written with two hour digits (`[07:35, 8/23/2018]` in a capture); Intl's
// `hour: 'numeric'` would give `7:35`. A 12-hour clock keeps one digit (`9:12 am`).
function timeFormat(loc, extra) {
  const numeric = new Intl.DateTimeFormat(loc, { hour: 'numeric', minute: '2-digit', ...extra });
  const cycle = numeric.resolvedOptions().hourCycle;
  if (cycle === 'h11' || cycle === 'h12') return numeric;
  return new Intl.DateTimeFormat(loc, { hour: '2-digit', minute: '2-digit', ...extra });
}

function f() {
  const loc = S.locale || pageLang();
  if (cache && cache.loc === loc) return cache;
  const form = FORMS[loc.toLowerCase().split('-')[0]] || {};
  cache = {
    loc,
    time: timeFormat(loc, form.time),
    date: new Intl.DateTimeFormat(loc, { year: 'numeric', month: 'numeric', day: 'numeric', ...form.date }),
    weekday: new Intl.DateTimeFormat(loc, { weekday: 'long' }),
  };
  return cache;
}

// Chromium's ICU puts U+202F before AM/PM; WhatsApp's copied prefix shows a plain space.
const clean = (s) => s.replace(/[\u202F\u00A0]/g, ' ');
export const time = (t0) => clean(f().time.format(new Date(t0)));
export const date = (t0) => clean(f().date.format(new Date(t0)));
export const prePlain = (t0, sender) => `[${time(t0)}, ${date(t0)}] ${sender}: `;
export const count = (n) => n.toLocaleString(S.locale || pageLang());
export const decimal = (x) => x.toLocaleString(S.locale || pageLang(), { minimumFractionDigits: 1, maximumFractionDigits: 1 });

const startOfDay = (t0) => { const d = new Date(t0); d.setHours(0, 0, 0, 0); return d.getTime(); };
export const dayKey = (t0) => startOfDay(t0);

function daysAgo(t0) {
  return Math.round((startOfDay(Date.now()) - startOfDay(t0)) / DAY);
}

export function listTime(t0) {
  const n = daysAgo(t0);
  if (n <= 0) return time(t0);
  if (n === 1) return t('yesterday');
  if (n < 7) return f().weekday.format(new Date(t0));
  return date(t0);
}

// The date separator above a day's first row; some eras and languages write it in capitals.
export function dayLabel(t0) {
  const n = daysAgo(t0);
  const label = n <= 0 ? t('today') : n < 7 ? listTime(t0) : date(t0);
  return S.capsSeparators ? upper(label) : label;
}

export const duration = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
