// Works (IMG-6): the public feed, a work's page with comments and reports,
// visibility and deletion; blessings sent with a message, the inbox of
// blessings received and their share links (DATA-3).
import { get, post, patch, del } from '../api.js';
import { t } from '../i18n.js';
import { h, render, dialog, field, busy, toast, fmtTime } from '../ui.js';
import * as session from '../session.js';
import { go } from '../nav.js';

/** "Save as a work" for one of the user's photos: title and visibility (IMG-6). */
/**
 * "保存为作品": `source` is a photo id, `{ job }` (a studio result, saved as
 * a work without joining the library) or a function resolving to either —
 * called only once the user confirms.
 */
export function publishButton(source, defaultTitle) {
  const b = h('button', { type: 'button', class: 'ghost' }, t('works.save'));
  b.addEventListener('click', () => busy(b, async () => {
    const title = h('input', { maxlength: 60, value: defaultTitle || t('works.untitled') });
    const vis = h('select', {}, ['private', 'link', 'public'].map((v) => h('option', { value: v }, t('works.v_' + v))));
    if ((await dialog({ title: t('works.save'), body: h('div', {}, field(t('works.title_label'), title), field(t('works.visibility'), vis, t('works.visibility_hint'))),
      actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('common.save'), value: true, submit: true }] })) !== true) return;
    const from = typeof source === 'function' ? await source() : (typeof source === 'string' ? { photo: source } : source);
    if (!from) return;
    const w = await post('/api/v1/works', { ...from, title: title.value.trim(), visibility: vis.value });
    toast(t('works.saved'));
    go(`/works/${w.id}`);
  }));
  return b;
}

function author(a) {
  return h('a', { class: 'author', href: `#/users/${a.id}` },
    a.avatar ? h('img', { class: 'avatar', src: a.avatar, alt: '' }) : h('span', { class: 'avatar', 'aria-hidden': 'true' }),
    h('span', {}, a.nickname));
}

function workCard(w) {
  return h('article', { class: 'work', dataset: { work: w.id } },
    h('a', { href: `#/works/${w.id}` }, h('img', { src: w.urls.image, alt: w.title || t('works.untitled'), loading: 'lazy' })),
    h('div', { class: 'meta' }, h('a', { href: `#/works/${w.id}`, style: 'color:inherit' }, h('strong', {}, w.title || t('works.untitled'))),
      author(w.author), w.mine ? h('span', { class: 'status' }, t('works.v_' + w.visibility)) : null));
}

function worksNav(here) {
  const items = [['feed', '#/feed'], ['mine', '#/mine'], ['blessings', '#/blessings']];
  return h('nav', { class: 'segmented', 'aria-label': t('nav.works') },
    items.filter(([k]) => k === 'feed' || session.me()).map(([k, href]) => h('a', { href, 'aria-current': k === here ? 'page' : undefined }, t('works.tab_' + k))));
}

export async function feedView() {
  const cards = h('div', { class: 'cards', id: 'feed' });
  const more = h('button', { type: 'button', class: 'ghost', hidden: true }, t('common.more'));
  let before = null;
  const load = async () => {
    const page = await get('/api/v1/works/feed?limit=20' + (before ? `&before=${before}` : ''));
    cards.append(...page.items.map(workCard));
    before = page.next_before;
    more.hidden = !before;
    if (!cards.childElementCount) cards.append(h('p', { class: 'hint' }, t('works.feed_empty')));
  };
  more.addEventListener('click', () => busy(more, load));
  await load();
  render(h('h1', {}, t('works.feed')), worksNav('feed'), cards, h('div', { class: 'row' }, more));
}

export async function myWorksView() {
  const { items } = await get('/api/v1/me/works');
  render(h('h1', {}, t('works.tab_mine')), worksNav('mine'),
    items.length ? h('div', { class: 'cards' }, items.map(workCard)) : h('p', { class: 'hint' }, t('works.mine_empty'), ' ', h('a', { href: '#/studio' }, t('nav.studio'))));
}

export async function userView({ id }) {
  const page = await get(`/api/v1/users/${id}/works`);
  render(h('h1', {}, page.author.nickname), author(page.author), worksNav(''),
    page.items.length ? h('div', { class: 'cards' }, page.items.map(workCard)) : h('p', { class: 'hint' }, t('works.feed_empty')));
}

/**
 * Issue 22 item 14: a blessing goes to a person chosen by name from the
 * people you have interacted with (comments either way, blessings either
 * way) — there is no directory of users — or to the person whose blessing
 * link you opened (`to`, `toName`).
 */
export async function blessingDialog({ to, toName, work }) {
  const { items: people } = await get('/api/v1/blessings/people');
  if (to && !people.some((p) => p.id === to)) people.unshift({ id: to, nickname: toName || t('bless.someone') });
  if (!people.length) {
    await dialog({ title: t('bless.send'), body: h('div', { id: 'blessing-form' }, h('p', {}, t('bless.no_people')), h('p', { class: 'hint' }, t('bless.no_people_hint'))) });
    return;
  }
  const recipient = h('select', { id: 'blessing-to', required: true },
    people.map((p) => h('option', { value: p.id, selected: p.id === to }, p.nickname)));
  const message = h('textarea', { required: true, maxlength: 200 }, t('bless.default_message'));
  const what = h('select', {}, work ? h('option', { value: 'work' }, t('bless.this_work')) : null,
    ['greeting', 'meme', 'reaction'].map((tp) => h('option', { value: 'tpl:' + tp }, t('bless.template', { name: tp }))));
  const ok = await dialog({
    title: t('bless.send'),
    body: h('div', { id: 'blessing-form' }, field(t('bless.to'), recipient, t('bless.to_hint')), field(t('bless.what'), what), field(t('bless.message'), message)),
    actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('bless.send'), value: true, submit: true }],
  });
  if (ok !== true) return;
  const body = { to: recipient.value, message: message.value.trim() };
  if (what.value === 'work') body.work = work; else body.template = what.value.slice(4);
  const sent = await post('/api/v1/blessings', body);
  const token = sent.share_url.split('/').pop();
  const link = `${location.origin}/#/b/${token}`;
  await dialog({ title: t('bless.sent'), body: h('div', {}, h('p', {}, t('bless.share_hint')), h('input', { readonly: true, value: link, id: 'share-link', 'aria-label': t('bless.share_link') })) });
}

/** A received blessing as a card: its image (or template), the message, who sent it. */
export function blessingCard(b, image) {
  const src = image === undefined ? (b.work && b.work.image) : image;
  return h('article', { class: 'card blessing-card', dataset: { blessing: b.id } },
    src ? h('img', { src, alt: (b.work && b.work.title) || t('bless.image') }) : null,
    !src && b.template ? h('div', { class: 'blessing-template' }, t('bless.template', { name: b.template })) : null,
    h('p', { class: 'blessing-message' }, b.message || b.text || ''),
    h('div', { class: 'row', style: 'justify-content:space-between' }, author(b.from), h('span', { class: 'hint' }, fmtTime(b.created_at || b.at))),
    b.work_deleted ? h('p', { class: 'hint' }, t('bless.work_deleted')) : null);
}

export async function workView({ id }, query) {
  const share = query.get('share');
  const q = share ? `?share=${encodeURIComponent(share)}` : '';
  const w = await get(`/api/v1/works/${id}${q}`);
  const me = session.me();
  const list = h('ul', { class: 'list comments', id: 'comments' });
  const loadComments = async () => {
    const { items } = await get(`/api/v1/works/${id}/comments${q}`);
    list.replaceChildren(...items.map((c) => {
      const mine = me && c.author.id === me.user_id;
      const actions = [];
      if (mine || w.mine) {
        const d = h('button', { type: 'button', class: 'ghost small', 'aria-label': t('comments.delete') }, t('common.delete'));
        d.addEventListener('click', () => busy(d, async () => { await del(`/api/v1/works/${id}/comments/${c.id}`); loadComments(); }));
        actions.push(d);
      }
      if (me && !mine) {
        const r = h('button', { type: 'button', class: 'ghost small' }, t('comments.report'));
        r.addEventListener('click', () => busy(r, async () => {
          const reason = h('textarea', { required: true, maxlength: 500 });
          if ((await dialog({ title: t('comments.report'), body: field(t('comments.reason'), reason),
            actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('comments.report'), value: true, submit: true }] })) !== true) return;
          await post(`/api/v1/works/${id}/comments/${c.id}/report`, { reason: reason.value.trim(), share: share || undefined });
          toast(t('comments.reported'));
        }));
        actions.push(r);
      }
      // Issue 22 item 14: the work's author is marked, so a visitor's comment never looks like theirs.
      const byAuthor = c.author.id === w.author.id;
      return h('li', { dataset: { comment: c.id } }, author(c.author),
        byAuthor ? h('span', { class: 'status author-badge' }, t('comments.by_author')) : null,
        h('div', { class: 'body' }, h('p', {}, c.text), h('p', { class: 'hint' }, fmtTime(c.created_at))), actions);
    }));
    if (!items.length) list.append(h('li', { class: 'hint' }, t('comments.none')));
  };
  await loadComments();
  const text = h('textarea', { required: true, maxlength: 500, id: 'comment-text' });
  const send = h('button', { type: 'submit' }, t('comments.post'));
  const form = h('form', { class: 'stack' }, h('label', { for: 'comment-text' }, t('comments.write')), text, send);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(send, async () => { await post(`/api/v1/works/${id}/comments`, { text: text.value.trim(), share: share || undefined }); text.value = ''; await loadComments(); });
  });
  const owner = [];
  if (w.mine) {
    const vis = h('select', { id: 'visibility' }, ['private', 'link', 'public'].map((v) => h('option', { value: v, selected: v === w.visibility }, t('works.v_' + v))));
    vis.addEventListener('change', () => busy(vis, async () => { await patch(`/api/v1/works/${id}`, { visibility: vis.value }); go(`/works/${id}?r=${Date.now()}`); }));
    const remove = h('button', { type: 'button', class: 'danger' }, t('works.delete'));
    remove.addEventListener('click', () => busy(remove, async () => {
      if (!(await dialog({ title: t('works.delete'), body: h('p', {}, t('works.delete_q')),
        actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('works.delete'), value: true, kind: 'danger' }] }))) return;
      await del(`/api/v1/works/${id}`);
      toast(t('works.deleted'));
      go('/mine');
    }));
    owner.push(h('div', { class: 'card' }, field(t('works.visibility'), vis, t('works.visibility_hint')),
      w.share_url ? h('p', {}, t('works.share_link'), ' ', h('input', { readonly: true, value: `${location.origin}/#/works/${id}?share=${w.share_url.split('share=')[1]}`, 'aria-label': t('works.share_link') })) : null,
      h('div', { class: 'row' }, remove)));
  }
  const bless = me ? h('button', { type: 'button' }, t(w.mine ? 'bless.send' : 'bless.to_author')) : null;
  if (bless) bless.addEventListener('click', () => busy(bless, () => blessingDialog({ to: w.mine ? '' : w.author.id, toName: w.author.nickname, work: w.mine ? id : null })));
  render(h('h1', {}, w.title || t('works.untitled')),
    h('div', { class: 'viewer' }, h('img', { src: w.urls.image, alt: w.title || t('works.untitled') })),
    h('div', { class: 'row', style: 'justify-content:space-between;margin:8px 0' }, author(w.author), h('span', { class: 'hint' }, fmtTime(w.created_at))),
    bless, owner,
    h('section', { 'aria-labelledby': 'comments-title' }, h('h2', { id: 'comments-title' }, t('comments.title')), list,
      me ? form : h('p', {}, h('a', { href: '#/login' }, t('comments.login')))));
}

/** Where a person's blessing link opens (issue 22 item 14): no id to type, no directory. */
function blessingLink(me) {
  return `${location.origin}/#/bless/${me.user_id}`;
}

export async function blessingsView() {
  const { items } = await get('/api/v1/blessings');
  const me = session.me();
  const send = h('button', { type: 'button' }, t('bless.send'));
  send.addEventListener('click', () => busy(send, () => blessingDialog({})));
  render(h('h1', {}, t('works.tab_blessings')), worksNav('blessings'),
    h('div', { class: 'row', style: 'margin-bottom:10px' }, send),
    me ? h('div', { class: 'card' }, h('label', { for: 'my-blessing-link' }, t('bless.my_link')),
      h('input', { readonly: true, id: 'my-blessing-link', value: blessingLink(me) }), h('p', { class: 'hint' }, t('bless.my_link_hint'))) : null,
    items.length ? h('div', { class: 'blessing-cards', id: 'blessings' }, items.map((b) => blessingCard(b))) : h('p', { class: 'hint' }, t('bless.none')));
}

/** A person's blessing link, opened: send them one by name (issue 22 item 14). */
export async function blessPersonView({ id }) {
  const page = await get(`/api/v1/users/${encodeURIComponent(id)}/works`);
  const me = session.me();
  const mine = me && me.user_id === id;
  const send = h('button', { type: 'button', id: 'bless-person' }, t('bless.to_person', { name: page.author.nickname }));
  send.addEventListener('click', () => busy(send, () => blessingDialog({ to: id, toName: page.author.nickname })));
  render(h('h1', {}, t('bless.to_person', { name: page.author.nickname })), author(page.author),
    mine ? h('p', { class: 'hint' }, t('bless.own_link')) : h('div', { class: 'row', style: 'margin-top:12px' }, send));
}

/** A blessing opened from its share link (no sign-in needed). */
export async function sharedBlessingView({ token }) {
  const b = await get(`/api/v1/blessings/shared/${encodeURIComponent(token)}`);
  render(h('h1', {}, t('bless.shared_title')), blessingCard(b));
}
