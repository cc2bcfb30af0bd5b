// DOM helpers: element building (no innerHTML with data: text is always set
// as text), dialogs on <dialog> (focus kept inside, Esc closes), toasts.
import { t } from './i18n.js';

/** h('button', {onclick, class: 'x'}, 'text', child, …) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') el.style.cssText = v; // CSSOM: allowed by the CSP, unlike a style attribute
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replace the main view's content and move focus there (screen readers). */
export function render(...children) {
  const main = document.getElementById('main');
  main.replaceChildren();
  append(main, children);
  const title = main.querySelector('h1');
  document.title = title ? `${title.textContent} · ${t('app.name')}` : t('app.name');
  // After a navigation, focus the new content (screen readers read it); the
  // first page keeps the browser's own start, so the skip link comes first.
  if (document.documentElement.dataset.ready) main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
  return main;
}

/**
 * A modal dialog. `body` is a node or a list; `actions` are
 * [{label, value, kind}] — the promise resolves with the chosen value
 * (null on Esc). An action with `submit: true` is the form's default.
 */
export function dialog({ title, body, actions, label }) {
  return new Promise((resolve) => {
    const heading = h('h2', { id: 'dlg-title-' + Math.random().toString(36).slice(2) }, title);
    const form = h('form', { method: 'dialog' });
    const d = h('dialog', { 'aria-labelledby': heading.id, 'aria-label': label }, heading, form);
    append(form, [body]);
    const buttons = (actions || [{ label: t('common.ok'), value: true }]).map((a) =>
      h('button', {
        type: a.submit ? 'submit' : 'button',
        class: a.kind || '',
        value: String(a.value),
        onclick: a.submit ? undefined : () => close(a.value),
      }, a.label));
    form.append(h('div', { class: 'actions' }, buttons));
    let settled = false;
    const close = (v) => { if (settled) return; settled = true; d.close(); d.remove(); resolve(v); };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!form.reportValidity()) return;
      const a = (actions || []).find((x) => x.submit);
      close(a ? a.value : true);
    });
    d.addEventListener('cancel', (e) => { e.preventDefault(); if (!d.dataset.blocking) close(null); });
    document.body.append(d);
    d.showModal();
  });
}

export function toast(message, kind) {
  const el = h('div', { class: 'toast ' + (kind || '') }, message);
  document.getElementById('toasts').append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 6000 : 3500);
}

/**
 * An API error in the user's language: the text for its stable code. The
 * server's `message` is for developers and never shown (issue 22 item 10);
 * a code without a text (an HTTP status from a proxy, say) shows the
 * general text with the code, so a user can still report it.
 */
export function errorText(err) {
  const code = err && err.code;
  return t('err.' + code, null, null) || t('err.unknown_code', { code: String(code || '?') });
}

/** Show an API error in words (see errorText). */
export function showError(err) {
  toast(errorText(err), 'error');
}

export function fmtTime(ms) {
  if (!ms) return '';
  return new Date(ms).toLocaleString(document.documentElement.lang, { dateStyle: 'medium', timeStyle: 'short' });
}

export function fmtDate(ms) {
  if (!ms) return '';
  return new Date(ms).toLocaleDateString(document.documentElement.lang, { dateStyle: 'medium' });
}

/** Run an async action with the button disabled; errors become toasts. */
export async function busy(button, fn) {
  if (button) button.disabled = true;
  try { return await fn(); } catch (e) { showError(e); return undefined; } finally { if (button) button.disabled = false; }
}

/** A labelled field: label + control, tied by id. */
let seq = 0;
export function field(labelText, control, hint) {
  const id = control.id || 'f' + (++seq);
  control.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', {}, h('label', { for: id }, labelText), control, hintEl);
}

export function check(labelText, input) {
  input.type = 'checkbox';
  return h('label', { class: 'check' }, input, h('span', {}, labelText));
}

/** The inline SVG icons of the tab bar (no icon font, nothing fetched). */
const PATHS = {
  photos: 'M4 5h16v14H4zM4 15l5-5 4 4 3-3 4 4M15 9.5a1.5 1.5 0 1 0 0-.01',
  studio: 'M12 3l2.5 5.5L20 11l-5.5 2.5L12 19l-2.5-5.5L4 11l5.5-2.5z',
  works: 'M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z',
  inbox: 'M4 6h16v12H4zM4 6l8 7 8-7',
  me: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21c0-4 4-6 8-6s8 2 8 6',
};
export function icon(name) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  p.setAttribute('d', PATHS[name] || '');
  p.setAttribute('fill', 'none');
  p.setAttribute('stroke', 'currentColor');
  p.setAttribute('stroke-width', '1.8');
  p.setAttribute('stroke-linejoin', 'round');
  svg.append(p);
  return svg;
}
