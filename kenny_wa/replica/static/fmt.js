// Locale-dependent formatting with the page's Intl, in the browser's time zone (like the real page).
import { S } from './dom.js';

const DAY = 86400000;
let cache = null;

function f() {
  const loc = S.locale || navigator.language || 'en-US';
  if (cache && cache.loc === loc) return cache;
  cache = {
    loc,
    time: new Intl.DateTimeFormat(loc, { hour: 'numeric', minute: '2-digit' }),
    date: new Intl.DateTimeFormat(loc, { year: 'numeric', month: 'numeric', day: 'numeric' }),
    weekday: new Intl.DateTimeFormat(loc, { weekday: 'long' }),
  };
  return cache;
}

// Chromium's ICU puts U+202F before AM/PM; WhatsApp's copied prefix shows a plain space.
const clean = (s) => s.replace(/[\u202F\u00A0]/g, ' ');
export const time = (t) => clean(f().time.format(new Date(t)));
export const date = (t) => clean(f().date.format(new Date(t)));
export const prePlain = (t, sender) => `[${time(t)}, ${date(t)}] ${sender}: `;

const startOfDay = (t) => { const d = new Date(t); d.setHours(0, 0, 0, 0); return d.getTime(); };
export const dayKey = (t) => startOfDay(t);

function daysAgo(t) {
  return Math.round((startOfDay(Date.now()) - startOfDay(t)) / DAY);
}

export function dayLabel(t) {
  const n = daysAgo(t);
  if (n <= 0) return 'Today';
  if (n === 1) return 'Yesterday';
  if (n < 7) return f().weekday.format(new Date(t));
  return date(t);
}

export function listTime(t) {
  const n = daysAgo(t);
  if (n <= 0) return time(t);
  if (n === 1) return 'Yesterday';
  if (n < 7) return f().weekday.format(new Date(t));
  return date(t);
}

export const duration = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
