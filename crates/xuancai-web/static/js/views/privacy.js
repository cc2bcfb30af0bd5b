// The privacy center: consents per purpose with their legal basis (CON-3..6),
// the personalisation switch (CON-6, ADS-1), the documents agreed to, the
// rights — export with download, correction, deletion,
// complaint — each after a fresh SMS code (ACC-7), the requests with
// status and deadline, and cancellation with its consequences (ACC-6).
import { get, post, put } from '../api.js';
import { t, docTitle, quoted, listOf } from '../i18n.js';
import { h, render, dialog, field, check, busy, toast, fmtTime, fmtDate, errorText } from '../ui.js';
import * as session from '../session.js';
import { go } from '../nav.js';

/** ACC-7: a fresh code to the account's own phone; resolves with it. */
export async function verify(purposeText) {
  const sent = await post('/api/v1/me/verify');
  const code = h('input', { inputmode: 'numeric', pattern: '\\d{6}', maxlength: 6, required: true, autocomplete: 'one-time-code', id: 'verify-code' });
  const ok = await dialog({
    title: t('rights.verify_title'),
    body: h('div', {}, h('p', {}, purposeText), h('p', { class: 'hint' }, t('rights.verify_sent', { to: sent.to })), field(t('login.code'), code)),
    actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('common.confirm'), value: true, submit: true }],
  });
  return ok === true ? code.value.trim() : null;
}

function purposeRow(p) {
  const box = h('input', { type: 'checkbox', checked: p.granted, disabled: !p.optional, role: 'switch', 'aria-checked': String(p.granted), id: 'purpose-' + p.purpose });
  box.addEventListener('change', () => busy(box, async () => {
    const granted = box.checked;
    // Withdrawals that cancel work (faces) or erase data (coins, §11) are confirmed first.
    if (!granted && (p.purpose === 'faces' || p.purpose === 'coins') && !(await dialog({ title: t('privacy.withdraw_' + p.purpose), body: h('p', {}, t('privacy.withdraw_' + p.purpose + '_q')),
      actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('privacy.withdraw'), value: true, kind: 'danger' }] }))) {
      box.checked = true; return;
    }
    try {
      await put(`/api/v1/me/consents/${p.purpose}`, { granted });
      box.setAttribute('aria-checked', String(granted));
      toast(t(granted ? 'privacy.granted' : 'privacy.withdrawn', { name: t('purpose.' + p.purpose, null, null) || p.name }));
      await session.refreshConsents();
    } catch (e) { box.checked = !granted; throw e; }
  }));
  return h('div', { class: 'switch', dataset: { purpose: p.purpose } },
    h('div', {}, h('label', { for: box.id, style: 'margin:0' }, t('purpose.' + p.purpose, null, null) || p.name),
      h('div', { class: 'hint' }, t('basis.' + p.basis, null, null) || p.basis, p.categories.length ? ' · ' + listOf(p.categories.map((c) => t('cat.' + c, null, null) || c)) : ''),
      p.decided_at ? h('div', { class: 'hint' }, t('privacy.decided', { at: fmtTime(p.decided_at) })) : null),
    box);
}

/**
 * A finished request's outcome in the user's language: the server's
 * resolution is a record for operators (English counts, a ground's code);
 * `outcome` carries it as data. An operator's own note is shown as written.
 */
function outcomeText(r) {
  if (r.kind === 'export' && r.status === 'done') return t('req.export_ready');
  const o = r.outcome;
  const note = o && o.note ? ' — ' + o.note : '';
  if (o && o.deleted) {
    return t('req.deleted', o.deleted) + (o.deleted.missing ? ' ' + t('req.deleted_missing', o.deleted) : '') + note;
  }
  if (o && o.refused) return (t('ground.' + o.refused, null, null) || o.refused) + note;
  return r.resolution;
}

function requestRow(r) {
  const status = h('span', { class: 'status' + (r.overdue ? ' overdue' : ''), dataset: { status: r.status } }, t('req.s_' + r.status, null, null) || r.status);
  return h('li', { dataset: { request: r.id, kind: r.kind } },
    h('div', { class: 'row', style: 'justify-content:space-between' }, h('strong', {}, t('req.k_' + r.kind, null, null) || r.kind), status),
    h('p', { class: 'hint' }, t('req.received', { at: fmtTime(r.received_at) }), ' · ', t('req.deadline', { at: fmtDate(r.deadline_at) }), r.overdue ? ' · ' + t('req.overdue') : ''),
    r.detail ? h('p', {}, r.detail) : null,
    r.resolution ? h('p', { class: r.status === 'refused' ? 'error' : 'ok', dataset: { outcome: '' } }, t('req.resolution'), ' ', outcomeText(r)) : null,
    r.download ? h('a', { class: 'button small', href: r.download, download: 'xuancai-export.zip', id: 'export-download' }, t('rights.download')) : null);
}

/** what a deletion request deletes (whole categories) and its §6.2 ground. */
const ERASABLE = ['photos', 'works', 'usage_logs', 'device_identifiers', 'template_use', 'push_token'];

async function makeRequest(kind, needsDetail) {
  let detail = '';
  const extra = {};
  if (needsDetail) {
    const text = h('textarea', { required: kind !== 'deletion', maxlength: 2000, id: 'request-detail' });
    const boxes = ERASABLE.map((c) => [c, h('input', { id: 'del-' + c })]);
    const ground = h('select', { id: 'del-ground' }, [1, 2, 3, 4, 5, 6, 7].map((g) => h('option', { value: g }, t('del.g' + g))));
    const scope = kind === 'deletion'
      ? h('fieldset', { class: 'stack' }, h('legend', {}, t('del.what')), boxes.map(([c, b]) => check(t('del.c_' + c), b)), field(t('del.ground'), ground))
      : null;
    const ok = await dialog({
      title: t('req.k_' + kind),
      body: h('div', {}, h('p', {}, t('rights.' + kind + '_explain')), scope, field(t('rights.detail_' + kind), text)),
      actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('common.next'), value: true, submit: true }],
    });
    if (ok !== true) return;
    detail = text.value.trim();
    if (kind === 'deletion') {
      const categories = boxes.filter(([, b]) => b.checked).map(([c]) => c);
      if (!categories.length) return toast(t('del.none'), 'error');
      extra.delete = { categories };
      extra.ground = Number(ground.value);
    }
  }
  const code = await verify(t('rights.verify_for', { what: t('req.k_' + kind) }));
  if (!code) return;
  await post('/api/v1/me/requests', { kind, detail, code, ...extra });
  toast(t('rights.submitted'));
  go('/privacy?r=' + Date.now());
}

export async function privacyView(_p, _q, ctx) {
  const [consents, requests] = await Promise.all([session.refreshConsents(), get('/api/v1/me/requests')]);
  if (ctx.stale()) return;
  const personal = consents.purposes.find((p) => p.purpose === 'personalisation');
  const others = consents.purposes.filter((p) => p.purpose !== 'personalisation');
  const rights = [
    ['export', false], ['correction', true], ['deletion', true], ['complaint', true],
  ].map(([kind, detail]) => {
    const b = h('button', { type: 'button', class: kind === 'deletion' ? 'danger' : kind === 'export' ? '' : 'ghost', id: 'right-' + kind }, t('rights.' + kind));
    b.addEventListener('click', () => busy(b, () => makeRequest(kind, detail)));
    return h('div', { class: 'card' }, h('p', {}, t('rights.' + kind + '_explain')), b);
  });
  const pending = requests.items.some((r) => r.kind === 'export' && !['done', 'refused'].includes(r.status));
  if (pending) setTimeout(() => { if (!ctx.stale() && location.hash.startsWith('#/privacy')) go('/privacy?p=' + Date.now()); }, 3000);
  render(h('h1', {}, t('privacy.title')),
    h('p', { class: 'hint' }, t('privacy.intro')),
    personal ? h('section', { class: 'card', 'aria-labelledby': 'h-personal' },
      h('h2', { id: 'h-personal' }, t('privacy.personalisation')), h('p', { class: 'hint' }, t('privacy.personalisation_hint')), purposeRow(personal)) : null,
    h('section', { class: 'card', 'aria-labelledby': 'h-consents' }, h('h2', { id: 'h-consents' }, t('privacy.consents')), others.map(purposeRow)),
    h('section', { 'aria-labelledby': 'h-rights' }, h('h2', { id: 'h-rights' }, t('privacy.rights')), rights,
      h('p', { class: 'hint' }, t('rights.profile_hint'), ' ', h('a', { href: '#/me' }, t('me.title'))),
      h('p', {}, h('a', { href: '#/contact' }, t('contact.link')))),
    h('section', { class: 'card', 'aria-labelledby': 'h-requests' }, h('h2', { id: 'h-requests' }, t('privacy.requests')),
      requests.items.length ? h('ul', { class: 'list', id: 'requests' }, requests.items.map(requestRow)) : h('p', { class: 'hint' }, t('privacy.no_requests'))),
    h('section', { class: 'card', 'aria-labelledby': 'h-docs' }, h('h2', { id: 'h-docs' }, t('privacy.documents')),
      h('ul', { class: 'list' }, consents.documents.map((d) => h('li', {},
        h('a', { href: `/api/v1/documents/${d.kind}`, target: '_blank', rel: 'noopener' }, quoted(docTitle(d.kind, d.title))), ' ',
        h('span', { class: 'hint' }, d.agreed_version ? t('privacy.agreed_version', { v: d.agreed_version }) : t('privacy.not_agreed')))))),
    h('section', { class: 'card', 'aria-labelledby': 'h-cancel' }, h('h2', { id: 'h-cancel' }, t('cancel.title')),
      h('p', {}, t('cancel.intro')), h('a', { class: 'button danger', href: '#/privacy?cancel=1', id: 'start-cancel',
        onclick: (e) => { e.preventDefault(); cancelFlow(); } }, t('cancel.start'))));
}

/** ACC-6: what is lost, two confirmations and a fresh code; then signed out. */
async function cancelFlow() {
  const preview = await get('/api/v1/me/cancellation');
  const exported = h('input', {});
  const forfeit = h('input', {});
  exported.required = true; forfeit.required = true;
  const ok = await dialog({
    title: t('cancel.title'),
    body: h('div', { class: 'stack', id: 'cancel-dialog' },
      h('ul', {}, (preview.consequences || []).map((c) => h('li', {}, h('span', { class: 'key' }, c)))),
      h('p', {}, t('cancel.coins', { n: preview.coins_forfeited }), ' ', t('cancel.photos', { n: preview.photos }), ' ',
        t('cancel.erased', { date: fmtDate(preview.erase_by) })),
      check(t('cancel.confirm_exported'), exported), check(t('cancel.confirm_forfeit'), forfeit)),
    actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('common.next'), value: true, submit: true, kind: 'danger' }],
  });
  if (ok !== true) return;
  const code = await verify(t('cancel.verify'));
  if (!code) return;
  try {
    await post('/api/v1/me/cancellation', { code, confirm_exported: exported.checked, confirm_forfeit: forfeit.checked });
  } catch (e) { toast(errorText(e), 'error'); return; }
  session.forget();
  render(h('h1', {}, t('cancel.done_title')), h('p', {}, t('cancel.done')), h('a', { href: '#/login' }, t('common.home')));
}
