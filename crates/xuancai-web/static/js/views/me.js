// "Me": profile (nickname, avatar, birth date, password — ACC-3, ACC-5, R-2),
// coins and the daily check-in (ACC-8), and the message inbox: service
// announcements (ADS-3) and marketing with its unsubscribe (ADS-2).
import { get, post, put, patch, del, upload } from '../api.js';
import { t } from '../i18n.js';
import { h, render, field, busy, toast, fmtTime } from '../ui.js';
import { separateConsent } from '../consent.js';
import * as session from '../session.js';
import { go } from '../nav.js';
import { blessingCard } from './works.js';

export async function meView() {
  const me = await session.refreshMe();
  if (!me) return go('/login');
  const coins = await get('/api/v1/coins').catch(() => null);
  const nickname = h('input', { value: me.nickname || '', maxlength: 30, id: 'nickname' });
  const birth = h('input', { type: 'date', value: me.birth_date || '', id: 'birth' });
  const save = h('button', { type: 'submit' }, t('common.save'));
  const form = h('form', { class: 'card stack', 'aria-labelledby': 'h-profile' },
    h('h2', { id: 'h-profile' }, t('me.profile')),
    field(t('me.nickname'), nickname), field(t('me.birth_date'), birth, t('me.birth_hint')), save);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(save, async () => {
      await patch('/api/v1/me', { nickname: nickname.value.trim() || null, birth_date: birth.value || null });
      toast(t('me.saved'));
      await session.refreshMe();
    });
  });
  const avatarInput = h('input', { type: 'file', accept: 'image/*', id: 'avatar-input', class: 'visually-hidden' });
  avatarInput.addEventListener('change', () => busy(null, async () => {
    if (!avatarInput.files[0]) return;
    await upload('/api/v1/me/avatar', avatarInput.files[0], null, 'PUT');
    toast(t('me.avatar_saved'));
    go('/me?r=' + Date.now());
  }));
  const removeAvatar = me.avatar ? h('button', { type: 'button', class: 'ghost small' }, t('common.delete')) : null;
  if (removeAvatar) removeAvatar.addEventListener('click', () => busy(removeAvatar, async () => { await del('/api/v1/me/avatar'); go('/me?r=' + Date.now()); }));
  const pw = h('input', { type: 'password', autocomplete: 'new-password', minlength: 8, id: 'new-password' });
  const pwCurrent = h('input', { type: 'password', autocomplete: 'current-password', id: 'current-password' });
  const pwSave = h('button', { type: 'submit', class: 'ghost' }, t('me.set_password'));
  const pwForm = h('form', { class: 'card stack' }, h('h2', {}, t('me.password')),
    me.has_password ? field(t('me.current_password'), pwCurrent) : null, field(t('me.new_password'), pw, t('me.password_hint')), pwSave);
  pwForm.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(pwSave, async () => {
      const body = { new_password: pw.value };
      if (me.has_password) body.current_password = pwCurrent.value;
      await put('/api/v1/me/password', body);
      toast(t('me.password_saved'));
      pw.value = ''; pwCurrent.value = '';
    });
  });
  const checkIn = h('button', { type: 'button', id: 'check-in' }, t('coins.check_in'));
  const balance = h('strong', { id: 'coin-balance' }, String(coins ? coins.balance : me.coins));
  checkIn.addEventListener('click', () => busy(checkIn, async () => {
    if (!(await coinsConsent())) return toast(t('coins.declined'));
    const r = await post('/api/v1/coins/check-in');
    balance.textContent = String(r.balance);
    toast(r.already_checked_in ? t('coins.already') : t('coins.awarded', { n: r.awarded }));
  }));
  const logout = h('button', { type: 'button', class: 'ghost' }, t('me.logout'));
  logout.addEventListener('click', () => busy(logout, async () => { await session.logout(); go('/login'); }));
  render(h('h1', {}, t('me.title')),
    h('div', { class: 'card row' },
      me.avatar ? h('img', { class: 'avatar', src: me.avatar, alt: t('me.avatar'), style: 'width:64px;height:64px' }) : h('span', { class: 'avatar', style: 'width:64px;height:64px' }),
      h('div', {}, h('strong', {}, me.nickname || t('me.no_nickname')), h('div', { class: 'hint' }, me.phone)),
      h('label', { for: 'avatar-input', class: 'button ghost small' }, t('me.change_avatar')), avatarInput, removeAvatar),
    h('nav', { class: 'card stack links', 'aria-label': t('me.links') },
      h('a', { href: '#/privacy', id: 'privacy-link' }, t('privacy.title')),
      h('a', { href: '#/inbox' }, t('inbox.title')),
      h('a', { href: '#/mine' }, t('works.tab_mine')),
      h('a', { href: '#/history' }, t('history.title')),
      h('a', { href: '#/albums' }, t('albums.title'))),
    h('div', { class: 'card row', style: 'justify-content:space-between' }, h('span', {}, t('coins.balance'), ' ', balance), checkIn),
    form, pwForm, logout);
}

/** Linkify the unsubscribe link a marketing message carries (ADS-2). */
function messageBody(text) {
  const parts = String(text).split(/(\/api\/v1\/unsubscribe\?[\w=&%-]+)/);
  return parts.map((p) => (p.startsWith('/api/v1/unsubscribe?')
    ? h('a', { href: p, target: '_blank', rel: 'noopener', class: 'unsubscribe' }, t('inbox.unsubscribe')) : p));
}

/**
 * Issue 22 item 14: what others did with your works — a comment, by its
 * author's name, linking to the work; a blessing, as its card.
 */
function activityItem(a) {
  if (a.kind === 'blessing') {
    const image = a.work ? `/api/v1/blessings/${a.blessing}/image` : null;
    return h('li', { dataset: { activity: 'blessing' } }, h('p', {}, t('activity.blessing', { name: a.from.nickname })),
      blessingCard({ id: a.blessing, from: a.from, text: a.text, at: a.at, work: a.work }, image));
  }
  return h('li', { dataset: { activity: 'comment' } },
    h('p', {}, a.work
      ? [t('activity.comment_on', { name: a.from.nickname }), ' ', h('a', { href: `#/works/${a.work.id}` }, a.work.title || t('works.untitled'))]
      : t('activity.comment', { name: a.from.nickname })),
    h('blockquote', {}, a.text || ''), h('p', { class: 'hint' }, fmtTime(a.at)));
}

export async function inboxView() {
  const [{ items }, activity] = await Promise.all([get('/api/v1/me/inbox'), get('/api/v1/me/activity'), session.refreshConsents()]);
  const marketing = session.granted('marketing');
  const box = h('input', { type: 'checkbox', checked: marketing, role: 'switch', id: 'marketing-switch' });
  box.addEventListener('change', () => busy(box, async () => {
    await put('/api/v1/me/consents/marketing', { granted: box.checked });
    toast(t(box.checked ? 'inbox.marketing_on' : 'inbox.marketing_off'));
  }));
  render(h('h1', {}, t('inbox.title')),
    h('section', { 'aria-labelledby': 'activity-title' }, h('h2', { id: 'activity-title' }, t('activity.title')),
      activity.items.length ? h('ul', { class: 'list card activity', id: 'activity' }, activity.items.map(activityItem)) : h('p', { class: 'hint' }, t('activity.none'))),
    h('h2', {}, t('inbox.service_title')),
    h('div', { class: 'card switch' }, h('div', {}, h('label', { for: 'marketing-switch', style: 'margin:0' }, t('inbox.marketing')), h('div', { class: 'hint' }, t('inbox.marketing_hint'))), box),
    items.length ? h('ul', { class: 'list card', id: 'messages' }, items.map((m) => h('li', { dataset: { kind: m.kind } },
      h('div', { class: 'row', style: 'justify-content:space-between' }, h('strong', {}, m.title), h('span', { class: 'status' }, t('inbox.k_' + m.kind, null, null) || m.kind)),
      h('p', { style: 'white-space:pre-line' }, messageBody(m.body)), h('p', { class: 'hint' }, fmtTime(m.at))))) : h('p', { class: 'hint' }, t('inbox.empty')));
}

/** §11: coins are property information; the separate consent is asked at the first check-in. */
const coinsConsent = () => separateConsent('coins', 'coins');
