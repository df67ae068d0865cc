import { en, zhCN, type MessageKey } from './messages.js';

/**
 * The page's language (zh-CN first, English on request, kept in localStorage) and the helpers that
 * format what it shows: messages, durations, and times in the browser's zone with UTC on hover.
 */

export type Language = 'zh-CN' | 'en';
export type { MessageKey };

const TABLES: Record<Language, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };
const STORAGE_KEY = 'tidewatch.language';

let language: Language = localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN';
const listeners = new Set<() => void>();

export function currentLanguage(): Language {
  return language;
}

export function setLanguage(next: Language): void {
  language = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
  applyTranslations(document.body);
  for (const listener of listeners) listener();
}

/** Called after every language switch, for what is not marked with data-i18n (map labels, lists). */
export function onLanguageChange(listener: () => void): void {
  listeners.add(listener);
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return TABLES[language][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A message for a key built from data (an alert type, a zone kind…); the raw value when none exists. */
export function tOr(key: string, fallback: string): string {
  return key in zhCN ? t(key as MessageKey) : fallback;
}

/**
 * Fills elements marked `data-i18n` (text), `data-i18n-placeholder`, `data-i18n-title` and
 * `data-i18n-aria` under `root` with the current language's messages.
 */
export function applyTranslations(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as MessageKey);
  for (const el of root.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder as MessageKey);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle as MessageKey);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria as MessageKey));
}

/** `2 h 5 min` / `2小时5分` from seconds. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const zh = language === 'zh-CN';
  if (s < 60) return zh ? `${s}秒` : `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return zh ? `${m}分钟` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return zh ? `${h}小时${m % 60}分` : `${h} h ${m % 60} min`;
  return zh ? `${Math.floor(h / 24)}天` : `${Math.floor(h / 24)} d`;
}

/** A <time> in the browser's zone; hovering shows the UTC time. */
export function timeElement(time: number | string): HTMLTimeElement {
  const date = new Date(time);
  const el = document.createElement('time');
  el.dateTime = date.toISOString();
  el.textContent = date.toLocaleString(language, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  el.title = `UTC ${date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`;
  return el;
}

/** A number with its unit, or an em dash when absent. */
export function withUnit(value: number | undefined | null, unit: string, digits = 1): string {
  return value === undefined || value === null ? '—' : `${value.toFixed(digits)} ${unit}`;
}
