// R-7, MIN-5: how to reach the operator and the personal-information
// protection officer, and a complaint form that needs no account (a
// guardian can complain about a child without the child's account).
import { get, post } from '../api.js';
import { t } from '../i18n.js';
import { h, render, field, busy, fmtDate } from '../ui.js';

export async function contactView(_params, query) {
  const c = await get('/api/v1/contact');
  const row = (key, value) => value ? h('div', { class: 'row' }, h('dt', {}, t(key)), h('dd', {}, value)) : null;
  const channels = h('section', { class: 'card', 'aria-labelledby': 'h-channels' },
    h('h2', { id: 'h-channels' }, t('contact.channels')),
    c.example ? h('p', { class: 'banner', role: 'note', id: 'contact-example' }, t('contact.example')) : null,
    h('dl', { class: 'stack' },
      row('contact.operator', c.operator),
      row('contact.email', c.email),
      row('contact.minors_email', c.minors_email),
      row('contact.address', c.address),
      row('contact.officer', c.officer && t('contact.officer_value', { name: c.officer, email: c.officer_email })),
      row('contact.phone', c.phone)));

  const topic = h('select', { name: 'topic' },
    ['privacy', 'minor', 'account', 'other'].map((k) => h('option', { value: k }, t('contact.topic_' + k))));
  if (query.get('topic') === 'minor') topic.value = 'minor';
  const message = h('textarea', { name: 'message', rows: 6, maxlength: 2000, minlength: 5, required: true });
  const replyTo = h('input', { name: 'reply_to', autocomplete: 'email', required: true, maxlength: 200 });
  const child = h('input', { name: 'child', maxlength: 100 });
  const childRow = field(t('contact.child'), child, t('contact.child_hint'));
  const showChild = () => { childRow.hidden = topic.value !== 'minor'; };
  topic.addEventListener('change', showChild);
  showChild();
  const result = h('div', { role: 'status' });
  const submit = h('button', { type: 'submit' }, t('contact.submit'));
  const form = h('form', { class: 'card stack', 'aria-labelledby': 'h-complaint' },
    h('h2', { id: 'h-complaint' }, t('contact.complaint')),
    h('p', { class: 'hint' }, t('contact.complaint_hint', { days: c.answer_within_working_days })),
    field(t('contact.topic'), topic),
    field(t('contact.message'), message),
    field(t('contact.reply_to'), replyTo, t('contact.reply_to_hint')),
    childRow,
    h('div', { class: 'row' }, submit),
    result);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(submit, async () => {
      const body = { topic: topic.value, message: message.value, reply_to: replyTo.value };
      if (topic.value === 'minor' && child.value.trim()) body.child = child.value;
      const r = await post('/api/v1/complaints', body);
      form.reset();
      showChild();
      result.replaceChildren(h('p', { class: 'ok' },
        t('contact.received', { id: r.id.slice(0, 8), date: fmtDate(r.deadline_at) })));
      result.focus();
    });
  });
  result.tabIndex = -1;
  render(h('h1', {}, t('contact.title')), h('p', { class: 'hint' }, t('contact.intro')), channels, form,
    h('p', {}, h('a', { href: '#/guardian-page' }, t('gpage.link'))));
}
