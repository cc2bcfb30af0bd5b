// Chinese by default, English available. Keys missing from a dictionary are
// collected in window.__missingKeys (the browser tests fail on any).
import { zh } from './i18n-zh.js';
import { en } from './i18n-en.js';

const dicts = { 'zh-CN': zh, en };
let current = (() => {
  try { return localStorage.getItem('xc.lang') === 'en' ? 'en' : 'zh-CN'; } catch { return 'zh-CN'; }
})();
window.__missingKeys = window.__missingKeys || [];

export const lang = () => current;

export function setLang(l) {
  current = dicts[l] ? l : 'zh-CN';
  try { localStorage.setItem('xc.lang', current); } catch { /* preferences are optional */ }
}

/**
 * The text for `key` with `{name}` filled from `vars`. With `fallback`
 * given (null for "none"), a missing key is not an error: the caller has
 * another text (an error code's server message, a document's own title).
 */
export function t(key, vars, fallback) {
  let s = dicts[current][key];
  if (s === undefined) {
    if (fallback !== undefined) return fallback;
    window.__missingKeys.push(`${current}:${key}`);
    s = key;
  }
  return vars ? s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? '')) : s;
}

export function docTitle(kind, fallback) {
  return t('doc.' + kind, null, null) || fallback || kind;
}

// Punctuation belongs to the language (issue 22 item 11): Chinese quotes a
// title with 《》 and lists with 、; English with “” and commas.

/** A document's or work's title, quoted as the language quotes titles. */
export function quoted(title) {
  return current === 'en' ? `“${title}”` : `《${title}》`;
}

/** Items listed as the language lists them. */
export function listOf(items) {
  return items.join(current === 'en' ? ', ' : '、');
}

/**
 * Nodes (links, say) listed as a sentence lists them: "A、B和C" in
 * Chinese, "A, B and C" in English.
 */
export function listNodes(nodes) {
  const [sep, last] = current === 'en' ? [', ', ' and '] : ['、', '和'];
  return nodes.flatMap((n, i) => (i === 0 ? [n] : [i === nodes.length - 1 ? last : sep, n]));
}

/** A label before its value ("标题：" / "Title: "). */
export function labelled(label) {
  return label + (current === 'en' ? ': ' : '：');
}

/** The other language's name, for a switch ("English" / "中文"). */
export const otherLang = () => (current === 'en' ? '中文' : 'English');

/** Switch to the other language. */
export function toggleLang() {
  setLang(current === 'en' ? 'zh-CN' : 'en');
}

/** A sticker template's title: the dictionary's, else the server's. */
export function templateTitle(tp) {
  return t('tpl.' + tp.name, null, null) || tp.title || tp.name;
}

/** The static page's own texts (data-t) and the html lang. */
export function translatePage() {
  document.documentElement.lang = current;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  const b = document.getElementById('lang');
  if (b) b.textContent = current === 'en' ? '中文' : 'EN';
  const skip = document.querySelector('.skip');
  if (skip) skip.textContent = t('app.skip');
}
