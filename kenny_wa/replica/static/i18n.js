// The page's interface words in each language it speaks: t(key, vars) in the page language.
// WhatsApp Web follows its own language setting (and the phone's), not the browser's locale:
// the page language is the replica's `lang` setting, else the browser's navigator.language.
// Words marked "ref" in docs/REPLICA.md are the DOM reference's; the rest are the replica's rendering.
// The word tables themselves are data, one per language subtag, in words.json (en-US and en-GB
// share English words, their formats differ).
import { S } from './dom.js';
import WORDS from './words.json' with { type: 'json' };

export { WORDS };
const en = WORDS.en;

// The page language as a BCP 47 tag (formats follow it unless the replica's `locale` overrides).
export const pageLang = () => S.lang || navigator.language || 'en-US';

// Words for a tag: its language's table, else English (the page's own fallback).
export const wordsFor = (tag) => WORDS[String(tag).toLowerCase().split('-')[0]] || en;

export function t(key, vars = {}) {
  let w = wordsFor(pageLang())[key];
  if (Array.isArray(w) && 'n' in vars) w = w[vars.n === 1 ? 0 : 1];
  if (typeof w !== 'string') return w;
  return w.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// What a preview or a quote shows for a message: its text, else its kind's or the deleted words.
export function summary(m) {
  if (m.kind === 'deleted') return t(m.out ? 'deleted_out' : 'deleted_in');
  if (m.notice) return t(`sys_${m.notice[0]}`, { actor: m.notice[1], other: m.notice[2] });
  return m.text || t(`kind_${m.kind}`) || '';
}

// A label in capitals the way the page's language writes them (tr: i → İ).
export const upper = (s) => s.toLocaleUpperCase(pageLang());
