import { ApiRequestError } from './api-client.js';
import { h } from './dom.js';
import { t, type MessageKey } from './i18n/index.js';

/**
 * Messages to the user in the top-right corner: errors stay until dismissed, confirmations fade.
 * Every failed request ends up here (or in the form it belongs to), never only in the console.
 */

function container(): HTMLElement {
  return document.getElementById('notices') ?? document.body;
}

export function showError(what: MessageKey, error: unknown): void {
  const message = error instanceof ApiRequestError ? (error.status === 0 ? t('error.network') : error.message) : error instanceof Error ? error.message : String(error);
  const note = h('div', { class: 'notice notice-error', role: 'alert' }, h('span', {}, t('error.request', { what: t(what), message })), h('button', { class: 'link', onclick: () => note.remove() }, t('error.dismiss')));
  container().appendChild(note);
}

export function showInfo(text: string): void {
  const note = h('div', { class: 'notice notice-info', role: 'status' }, text);
  container().appendChild(note);
  setTimeout(() => note.remove(), 4000);
}

/** Runs `task`; a failure is shown to the user as `what` failing, and undefined is returned. */
export async function attempt<T>(what: MessageKey, task: () => Promise<T>): Promise<T | undefined> {
  try {
    return await task();
  } catch (e) {
    showError(what, e);
    return undefined;
  }
}
