// MIN-2, MIN-5: the guardian's page. A guardian signs in with a code sent
// to their own number (it opens only this page, never an account), sees
// the accounts they agreed for, withdraws that agreement (the account is
// locked again), downloads a child's data, cancels a child's account, or
// complains. The page token lives in an HttpOnly cookie scoped to the
// guardian's routes; this script never sees it.
import { get, post, del } from '../api.js';
import { t } from '../i18n.js';
import { h, render, field, busy, toast, dialog, fmtDate } from '../ui.js';
import { go } from '../nav.js';

export async function guardianPageView() {
  let wards;
  try {
    wards = (await get('/api/v1/guardian/wards')).items;
  } catch (e) {
    if (e.code !== 'unauthenticated') throw e;
    return signInForm();
  }
  const leave = h('button', { type: 'button', class: 'ghost small' }, t('gpage.leave'));
  leave.addEventListener('click', () => busy(leave, async () => { await del('/api/v1/guardian/session'); go('/guardian-page?left=' + Date.now()); }));
  render(h('h1', {}, t('gpage.title')),
    h('p', { class: 'hint' }, t('gpage.intro')),
    wards.length ? h('ul', { class: 'list stack', id: 'wards' }, wards.map(wardCard)) : h('p', {}, t('gpage.none')),
    h('p', {}, h('a', { href: '#/contact?topic=minor' }, t('gpage.complain'))),
    h('div', { class: 'row' }, leave));
}

function signInForm() {
  const phone = h('input', { type: 'tel', inputmode: 'numeric', autocomplete: 'tel', required: true });
  const code = h('input', { inputmode: 'numeric', pattern: '\\d{6}', maxlength: 6, autocomplete: 'one-time-code' });
  const status = h('p', { class: 'hint', role: 'status' });
  const send = h('button', { type: 'button', class: 'ghost' }, t('gpage.send'));
  send.addEventListener('click', () => busy(send, async () => {
    if (!phone.reportValidity()) return;
    await post('/api/v1/guardian/code', { phone: phone.value.trim() });
    status.textContent = t('gpage.sent');
    code.focus();
  }));
  const open = h('button', { type: 'submit' }, t('gpage.open'));
  const form = h('form', { class: 'card stack', 'aria-labelledby': 'gpage-title' },
    field(t('gpage.phone'), phone, t('gpage.phone_hint')),
    h('div', { class: 'row' }, send), status,
    field(t('gpage.code'), code),
    h('div', { class: 'row' }, open));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(open, async () => {
      await post('/api/v1/guardian/session', { phone: phone.value.trim(), code: code.value.trim() });
      go('/guardian-page?opened=' + Date.now());
    });
  });
  render(h('h1', { id: 'gpage-title' }, t('gpage.title')), h('p', { class: 'hint' }, t('gpage.sign_in_intro')), form,
    h('p', {}, h('a', { href: '#/contact?topic=minor' }, t('gpage.complain'))));
}

async function confirm(title, text, label) {
  return (await dialog({
    title,
    body: h('p', {}, text),
    actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label, value: true, submit: true }],
  })) === true;
}

function wardCard(w) {
  const name = w.nickname || w.phone;
  const base = `/api/v1/guardian/wards/${encodeURIComponent(w.user_id)}`;
  const agreed = !!w.guardian_verified_at;
  const state = h('p', { class: agreed ? 'ok' : 'hint' }, agreed
    ? t('gpage.agreed', { date: fmtDate(w.guardian_verified_at) })
    : t('gpage.withdrawn', { date: fmtDate(w.erased_unless_agreed_by) }));
  const withdraw = h('button', { type: 'button', class: 'ghost', hidden: !agreed }, t('gpage.withdraw'));
  withdraw.addEventListener('click', () => busy(withdraw, async () => {
    if (!await confirm(t('gpage.withdraw'), t('gpage.withdraw_confirm', { name }), t('gpage.withdraw'))) return;
    await post(`${base}/withdraw`);
    toast(t('gpage.withdrawn_toast'));
    go('/guardian-page?w=' + Date.now());
  }));
  const exportStatus = h('p', { class: 'hint', role: 'status' });
  const exp = h('button', { type: 'button', class: 'ghost' }, t('gpage.export'));
  exp.addEventListener('click', () => busy(exp, async () => {
    const r = await post(`${base}/requests`, { kind: 'export' });
    exportStatus.textContent = t('gpage.export_preparing');
    for (let i = 0; i < 120; i++) {
      const res = await fetch(r.download, { method: 'HEAD', credentials: 'same-origin' });
      if (res.ok) {
        exportStatus.replaceChildren(h('a', { href: r.download, download: 'xuancai-child-personal-data.zip' }, t('gpage.export_ready')));
        return;
      }
      await new Promise((ok) => setTimeout(ok, 1000));
    }
    exportStatus.textContent = t('gpage.export_slow');
  }));
  const cancel = h('button', { type: 'button', class: 'danger' }, t('gpage.cancel'));
  cancel.addEventListener('click', () => busy(cancel, async () => {
    if (!await confirm(t('gpage.cancel'), t('gpage.cancel_confirm', { name }), t('gpage.cancel'))) return;
    await post(`${base}/requests`, { kind: 'cancellation' });
    toast(t('gpage.cancelled_toast'));
    go('/guardian-page?c=' + Date.now());
  }));
  return h('li', { class: 'card stack', dataset: { ward: w.user_id } },
    h('h2', {}, name),
    h('p', { class: 'hint' }, t('gpage.account', { phone: w.phone, age: t('gpage.age_' + w.age_group) })),
    state,
    h('div', { class: 'row' }, withdraw, exp, cancel),
    exportStatus);
}
