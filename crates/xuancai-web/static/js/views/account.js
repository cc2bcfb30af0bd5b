// Sign-in by SMS code (ACC-1) or password (ACC-3), the first-use agreement
// (CON-1), the age question (MIN-1) and the guardian's consent (MIN-2..4).
import { post } from '../api.js';
import { t, docTitle, quoted, labelled, listNodes, toggleLang, translatePage } from '../i18n.js';
import { h, render, dialog, field, check, busy, toast } from '../ui.js';
import * as session from '../session.js';
import { askNickname } from './nickname.js';
import { go } from '../nav.js';

const docLink = (kind, version) =>
  h('a', { href: `/api/v1/documents/${kind}${version ? '?version=' + encodeURIComponent(version) : ''}`, target: '_blank', rel: 'noopener' },
    quoted(docTitle(kind)));

/**
 * The agreement dialog: the documents with links and the key clauses
 * emphasised (CON-1, CON-2). Resolves true only on an explicit "agree".
 */
export async function agreementDialog(docs, update) {
  const clauses = ['agree.k1', 'agree.k2', 'agree.k3', 'agree.k4', 'agree.k5'];
  for (;;) {
    const body = h('div', { class: 'stack', id: 'agreement' },
      h('p', {}, t(update ? 'agree.update_intro' : 'agree.intro'), ' ',
        listNodes(docs.map((d) => docLink(d.kind, d.version)))),
      update ? docs.filter((d) => d.summary).map((d) => h('p', {}, h('strong', {}, labelled(docTitle(d.kind))), d.summary)) : null,
      h('ul', {}, clauses.map((k) => h('li', {}, h('span', { class: 'key' }, t(k))))),
      h('p', { class: 'hint' }, t('agree.outro')));
    const answer = await dialog({
      title: t(update ? 'agree.update_title' : 'agree.title'),
      body,
      actions: [
        // Issue 22 item 12: the documents can be read in either language
        // before agreeing (the header's switch is behind the dialog).
        { label: t('agree.lang'), value: 'lang', kind: 'ghost' },
        { label: t('agree.decline'), value: false, kind: 'ghost' },
        { label: t('agree.accept'), value: true, submit: true },
      ],
    });
    if (answer !== 'lang') return answer === true;
    toggleLang();
    translatePage();
    document.dispatchEvent(new CustomEvent('xc:lang'));
  }
}

async function firstUse() {
  if (session.agreedOnDevice()) return true;
  const versions = session.currentVersions();
  const docs = Object.entries(versions).map(([kind, version]) => ({ kind, version }));
  const ok = await agreementDialog(docs, false);
  if (ok) session.rememberAgreement(versions);
  return ok;
}

export async function loginView(_params, query) {
  if (session.me()) return go('/photos');
  const next = query.get('next') || '/photos';
  const agreed = await firstUse();
  if (!agreed) {
    return render(h('h1', {}, t('login.title')),
      h('div', { class: 'card stack' },
        h('p', {}, t('login.need_agreement')),
        h('button', { type: 'button', onclick: () => go('/login?again=' + Date.now()) }, t('login.review')),
        h('p', {}, h('a', { href: '#/feed' }, t('login.browse'))),
        h('p', {}, h('a', { href: '#/contact' }, t('contact.link')), ' · ', h('a', { href: '#/guardian-page' }, t('gpage.link')))));
  }
  const phone = h('input', { type: 'tel', name: 'phone', inputmode: 'numeric', autocomplete: 'tel', required: true, placeholder: '13800138000' });
  const code = h('input', { name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '\\d{6}', maxlength: 6 });
  const birth = h('input', { type: 'date', name: 'birth_date', max: new Date().toISOString().slice(0, 10) });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password' });
  const status = h('p', { class: 'hint', role: 'status' });
  // §11: the phone number is sensitive personal information; it is sent
  // (and an account made with it) only with this separate tick, shown with
  // why it is needed and what it means for the user (PIPL Art. 30).
  const phoneTick = h('input', { id: 'phone-tick', name: 'phone_tick' });
  const tickRow = h('div', { class: 'stack', id: 'phone-consent' },
    check(h('span', { class: 'key' }, t('login.phone_tick')), phoneTick),
    h('p', { class: 'hint' }, t('login.phone_tick_why')));
  const ticked = () => {
    if (phoneTick.checked) return true;
    phoneTick.focus();
    toast(t('login.phone_tick_needed'), 'error');
    return false;
  };
  let usePassword = false;
  const send = h('button', { type: 'button', class: 'ghost' }, t('login.send_code'));
  send.addEventListener('click', () => busy(send, async () => {
    if (!phone.reportValidity() || !ticked()) return;
    // CON-1: the number leaves only with the agreement of the first-use dialog.
    const r = await post('/api/v1/auth/code', { phone: phone.value.trim(), agree: session.agreedOnDevice() || {}, sensitive: ['phone'] });
    status.textContent = t('login.code_sent', { minutes: Math.round((r.expires_in || 300) / 60) });
    let left = 60;
    const tick = () => {
      send.textContent = left > 0 ? t('login.resend_in', { s: left }) : t('login.send_code');
      send.disabled = left > 0;
      if (left-- > 0) setTimeout(tick, 1000);
    };
    tick();
    code.focus();
  }).then(() => {}));
  const codeRows = h('div', {},
    field(t('login.code'), code),
    h('div', { class: 'row' }, send),
    status,
    field(t('login.birth_date'), birth, t('login.birth_hint')));
  const pwRows = h('div', { hidden: true }, field(t('login.password'), password));
  const toggle = h('button', { type: 'button', class: 'ghost small' }, t('login.with_password'));
  toggle.addEventListener('click', () => {
    usePassword = !usePassword;
    codeRows.hidden = usePassword;
    pwRows.hidden = !usePassword;
    toggle.textContent = t(usePassword ? 'login.with_code' : 'login.with_password');
  });
  const submit = h('button', { type: 'submit' }, t('login.submit'));
  const form = h('form', { class: 'card stack', 'aria-labelledby': 'login-title' },
    field(t('login.phone'), phone),
    tickRow,
    codeRows, pwRows,
    h('div', { class: 'row' }, submit, toggle),
    h('p', { class: 'hint' }, t('login.agreed_note'), ' ', docLink('user_agreement'), ' ', docLink('privacy_policy'),
      ' ', h('button', { type: 'button', class: 'ghost small', onclick: () => { session.forgetAgreement(); go('/login?r=' + Date.now()); } }, t('login.withdraw_agreement'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(submit, async () => {
      let r;
      if (usePassword) {
        r = await post('/api/v1/auth/password', { phone: phone.value.trim(), password: password.value });
      } else {
        if (!ticked()) return;
        const body = { phone: phone.value.trim(), code: code.value.trim(), agree: session.agreedOnDevice() || {}, sensitive: ['phone'] };
        if (birth.value) body.birth_date = birth.value;
        r = await post('/api/v1/auth/login', body);
      }
      await session.refreshMe();
      if (r.new_account) askNickname();
      toast(t(r.new_account ? 'login.welcome_new' : 'login.welcome'));
      const age = session.consents()?.age_group;
      go(age === 'child' || age === 'minor' ? '/guardian' : next);
    });
  });
  render(h('h1', { id: 'login-title' }, t('login.title')), h('p', { class: 'hint' }, t('login.intro')), form,
    h('p', {}, h('a', { href: '#/contact' }, t('contact.link')), ' · ', h('a', { href: '#/guardian-page' }, t('gpage.link'))));
}

export async function guardianView() {
  await session.refreshConsents();
  const c = session.consents();
  const age = c?.age_group;
  const docs = session.documents()?.documents || [];
  const version = (k) => docs.find((d) => d.kind === k)?.current?.version;
  const needs = (c?.documents || []).filter((d) => (d.kind === 'children_policy' || d.kind === 'children_rules') && d.needs_agreement);
  if (age !== 'child' && age !== 'minor') {
    return render(h('h1', {}, t('guardian.title')), h('p', {}, t('guardian.not_needed')), h('a', { href: '#/photos' }, t('common.continue')));
  }
  if (!needs.length) {
    return render(h('h1', {}, t('guardian.title')), h('p', { class: 'ok' }, t('guardian.done')), h('a', { class: 'button', href: '#/photos' }, t('common.continue')));
  }
  const phone = h('input', { type: 'tel', inputmode: 'numeric', autocomplete: 'off', required: true });
  const code = h('input', { inputmode: 'numeric', pattern: '\\d{6}', maxlength: 6, required: true, autocomplete: 'one-time-code' });
  const a1 = h('input', { required: true, name: 'children_policy' });
  const a2 = h('input', { required: true, name: 'children_rules' });
  const send = h('button', { type: 'button', class: 'ghost' }, t('guardian.send'));
  const status = h('p', { class: 'hint', role: 'status' });
  send.addEventListener('click', () => busy(send, async () => {
    if (!phone.reportValidity()) return;
    await post('/api/v1/me/guardian/code', { phone: phone.value.trim() });
    status.textContent = t('guardian.sent');
    code.focus();
  }));
  const submit = h('button', { type: 'submit' }, t('guardian.submit'));
  const form = h('form', { class: 'card stack' },
    field(t('guardian.phone'), phone, t('guardian.phone_hint')),
    h('div', { class: 'row' }, send), status,
    field(t('guardian.code'), code),
    check([t('guardian.agree_to'), ' ', docLink('children_policy', version('children_policy'))], a1),
    check([t('guardian.agree_to'), ' ', docLink('children_rules', version('children_rules'))], a2),
    submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(submit, async () => {
      await post('/api/v1/me/guardian', {
        phone: phone.value.trim(), code: code.value.trim(),
        agree: { children_policy: version('children_policy'), children_rules: version('children_rules') },
      });
      await session.refreshConsents();
      toast(t('guardian.thanks'));
      go('/photos');
    });
  });
  render(h('h1', {}, t('guardian.title')),
    h('div', { class: 'pill-note', role: 'note' }, t(age === 'child' ? 'guardian.child' : 'guardian.minor')),
    h('p', {}, t('guardian.intro')), form,
    h('p', {}, h('button', { type: 'button', class: 'ghost', onclick: async () => { await session.logout(); go('/login'); } }, t('me.logout'))));

}
