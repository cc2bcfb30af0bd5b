// CON-3, §11: a purpose's separate consent, asked at the moment it is
// needed (faces before a face swap, coins at the first check-in): the
// sensitive-information notice, what follows from agreeing, and an explicit
// choice. Resolves true only when the consent is recorded.
import { put } from './api.js';
import { t } from './i18n.js';
import { h, dialog } from './ui.js';
import * as session from './session.js';

/** Ask for `purpose` unless granted: keys `${prefix}.consent_title`, `.consent_sensitive`, `.c1..c3`, `.accept`, `.decline`. */
export async function separateConsent(purpose, prefix) {
  if (!session.consents()) await session.refreshConsents();
  if (session.granted(purpose)) return true;
  const ok = await dialog({
    title: t(`${prefix}.consent_title`),
    body: h('div', { class: 'stack', id: `${purpose}-consent` },
      h('p', {}, h('span', { class: 'key' }, t(`${prefix}.consent_sensitive`))),
      h('ul', {}, ['c1', 'c2', 'c3'].map((k) => h('li', {}, t(`${prefix}.${k}`))))),
    actions: [{ label: t(`${prefix}.decline`), value: false, kind: 'ghost' }, { label: t(`${prefix}.accept`), value: true, submit: true }],
  });
  if (ok !== true) return false;
  await put(`/api/v1/me/consents/${purpose}`, { granted: true });
  await session.refreshConsents();
  return true;
}
