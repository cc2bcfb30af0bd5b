// Issue 22 item 14: people, not ids. After sign-up the first page asks for a
// nickname — what others see beside the user's works, comments and
// blessings instead of the default "炫彩用户". It is a card at the top of
// the page, not a dialog: it can be skipped, and 我的 changes it later.
import { patch } from '../api.js';
import { t } from '../i18n.js';
import { h, busy, toast } from '../ui.js';
import * as session from '../session.js';

const KEY = 'xc.ask_nickname';

/** Sign-up: ask on the next page shown. */
export function askNickname() {
  sessionStorage.setItem(KEY, '1');
}

/** Show the card once, if asked and the user has no nickname yet. */
export function nicknamePrompt() {
  if (!sessionStorage.getItem(KEY)) return;
  const me = session.me();
  const main = document.getElementById('main');
  // Not while signing in or asking a guardian.
  if (!me || !main || /^#\/(login|guardian)\b/.test(location.hash)) return;
  sessionStorage.removeItem(KEY);
  // 我的 has the field itself.
  if (me.nickname || /^#\/me\b/.test(location.hash)) return;
  const input = h('input', { id: 'welcome-nickname', maxlength: 30, required: true, autocomplete: 'nickname' });
  const save = h('button', { type: 'submit' }, t('nick.save'));
  const later = h('button', { type: 'button', class: 'ghost' }, t('nick.later'));
  const card = h('form', { class: 'card stack', id: 'nickname-prompt', 'aria-labelledby': 'nickname-title' },
    h('h2', { id: 'nickname-title' }, t('nick.title')),
    h('p', { class: 'hint' }, t('nick.why')),
    h('label', { for: 'welcome-nickname' }, t('me.nickname')), input,
    h('div', { class: 'row' }, save, later));
  later.addEventListener('click', () => card.remove());
  card.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(save, async () => {
      const name = input.value.trim();
      if (!name) return input.focus();
      await patch('/api/v1/me', { nickname: name });
      await session.refreshMe();
      toast(t('nick.saved', { name }));
      card.remove();
    });
  });
  const title = main.querySelector('h1');
  if (title) title.after(card); else main.prepend(card);
}
