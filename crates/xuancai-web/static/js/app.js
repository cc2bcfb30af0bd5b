// The app shell: session, router (hash routes, so the server serves one
// page), the tab bar, and the gates every screen passes through — the
// first-use agreement (CON-1), the cookie choice (COOK-1), a policy update
// that must be agreed to again (CON-2), the guardian lock (MIN-2, MIN-3).
import { get, put, post, onError } from './api.js';
import { t, lang, setLang, translatePage, docTitle } from './i18n.js';
import { h, render, icon, showError, errorText } from './ui.js';
import * as session from './session.js';
import { go } from './nav.js';
import { loginView, guardianView, agreementDialog } from './views/account.js';
import { photosView, albumsView, albumView, photoView } from './views/photos.js';
import { studioView } from './views/studio.js';
import { historyView } from './views/history.js';
import { feedView, workView, userView, blessingsView, blessPersonView, myWorksView, sharedBlessingView } from './views/works.js';
import { nicknamePrompt } from './views/nickname.js';
import { privacyView } from './views/privacy.js';
import { contactView } from './views/contact.js';
import { guardianPageView } from './views/guardian_page.js';
import { inboxView, meView } from './views/me.js';

const routes = [
  ['/login', loginView, { public: true }],
  ['/guardian', guardianView],
  ['/photos', photosView],
  ['/photos/:id', photoView],
  ['/albums', albumsView],
  ['/albums/:id', albumView],
  ['/studio', studioView],
  ['/history', historyView],
  ['/feed', feedView, { public: true }],
  ['/works/:id', workView, { public: true }],
  ['/users/:id', userView, { public: true }],
  ['/mine', myWorksView],
  ['/blessings', blessingsView],
  ['/bless/:id', blessPersonView],
  ['/b/:token', sharedBlessingView, { public: true }],
  ['/inbox', inboxView],
  ['/privacy', privacyView],
  ['/contact', contactView, { public: true }],
  ['/guardian-page', guardianPageView, { public: true }],
  ['/me', meView],
];

const TABS = [
  ['photos', '#/photos', 'nav.photos'],
  ['studio', '#/studio', 'nav.studio'],
  ['works', '#/feed', 'nav.works'],
  ['inbox', '#/inbox', 'nav.inbox'],
  ['me', '#/me', 'nav.me'],
];

function match(path) {
  for (const [pattern, view, opts] of routes) {
    const names = [];
    const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; }) + '$');
    const m = path.match(re);
    if (m) return { view, opts: opts || {}, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
  }
  return null;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { path, query: new URLSearchParams(qs || '') };
}


function renderTabs(path) {
  const nav = document.getElementById('tabs');
  nav.hidden = !session.me();
  nav.setAttribute('aria-label', t('nav.label'));
  nav.replaceChildren(...TABS.map(([name, href, key]) => {
    const here = path.startsWith(href.slice(1)) || (name === 'works' && /^\/(works|users|mine|blessings)/.test(path))
      || (name === 'photos' && path.startsWith('/albums')) || (name === 'me' && (path.startsWith('/privacy') || path.startsWith('/contact')));
    return h('a', { href, 'aria-current': here ? 'page' : undefined }, icon(name), h('span', {}, t(key)));
  }));
}

let routing = 0;
async function route() {
  const mine = ++routing;
  const { path, query } = parseHash();
  if (path === '/' || path === '') return go(session.me() ? '/photos' : '/login');
  const found = match(path);
  renderTabs(path);
  if (!found) return render(h('h1', {}, t('err.not_found')), h('a', { href: '#/' }, t('common.home')));
  if (!found.opts.public && !session.me()) return go('/login?next=' + encodeURIComponent(path));
  try {
    await found.view(found.params, query, { stale: () => mine !== routing });
    // Issue 22 item 14: once, on the first page after sign-up, a nickname.
    if (mine === routing) nicknamePrompt();
  } catch (e) {
    if (mine === routing) {
      showError(e);
      if (!document.querySelector('#main h1')) render(h('h1', {}, t('err.title')), h('p', { class: 'error' }, errorText(e)));
    }
  }
}

// --- Banners: shutdown, announced policy changes (CON-2, RET-3) ---
function renderBanners() {
  const box = document.getElementById('banners');
  box.replaceChildren();
  const docs = session.documents();
  if (docs && docs.shutdown) {
    box.append(h('div', { class: 'banner', role: 'alert' }, h('span', {},
      t('banner.shutdown', { closes: docs.shutdown.closes_on, erased: docs.shutdown.data_erased_on }))));
  }
  const consents = session.consents();
  const upcoming = [];
  for (const d of (consents ? consents.documents : docs ? docs.documents : []) || []) {
    for (const u of d.upcoming || []) upcoming.push({ kind: d.kind, title: d.title, ...u });
  }
  for (const u of upcoming) {
    const key = `xc.seen.${u.kind}.${u.version}`;
    if (localStorage.getItem(key)) continue;
    const close = h('button', { type: 'button', class: 'ghost small', onclick: () => { localStorage.setItem(key, '1'); renderBanners(); } }, t('common.dismiss'));
    box.append(h('div', { class: 'banner', role: 'status', dataset: { policyUpdate: u.kind } },
      h('span', {}, t(u.material ? 'banner.policy_material' : 'banner.policy', {
        title: docTitle(u.kind, u.title), date: new Date(u.effective_at).toLocaleDateString(lang()),
      }), ' ', u.summary || '', ' ', h('a', { href: `/api/v1/documents/${u.kind}?version=${encodeURIComponent(u.version)}`, target: '_blank', rel: 'noopener' }, t('common.read'))),
      close));
  }
}


// --- CON-2: a change in force that needs agreement again blocks the app ---
let reagreeing = null;
export async function reagree() {
  if (reagreeing) return reagreeing;
  reagreeing = (async () => {
    await session.refreshConsents();
    const pending = (session.consents()?.documents || []).filter((d) => d.needs_agreement && d.current_version);
    if (!pending.length) return true;
    const published = session.documents()?.documents || [];
    const summary = (kind) => published.find((p) => p.kind === kind)?.current?.summary;
    const ok = await agreementDialog(pending.map((d) => ({ kind: d.kind, title: d.title, version: d.current_version, summary: summary(d.kind) })), true);
    if (!ok) { await session.logout(); go('/login'); return false; }
    const agree = Object.fromEntries(pending.map((d) => [d.kind, d.current_version]));
    await post('/api/v1/me/agreements', { agree });
    await session.refreshConsents();
    renderBanners();
    return true;
  })();
  try { return await reagreeing; } finally { reagreeing = null; }
}

// --- COOK-1: analytics/advertising cookies only with consent ---
async function cookieBanner() {
  let s;
  try { s = await get('/api/v1/consent-state'); } catch { return; }
  if (s.decided) return;
  // Issue 22 item 12: not over a dialog (the first-use agreement comes
  // first); shown once none is open.
  while (document.querySelector('dialog[open]')) await new Promise((r) => setTimeout(r, 200));
  document.getElementById('cookie-banner')?.remove();
  const analytics = h('input', { type: 'checkbox', id: 'ck-analytics' });
  const ads = h('input', { type: 'checkbox', id: 'ck-ads' });
  const save = async (all) => {
    const body = { analytics: all || analytics.checked, advertising: all || ads.checked };
    try { await put('/api/v1/consent-state', body); box.remove(); } catch (e) { showError(e); }
  };
  const box = h('section', { class: 'banner', id: 'cookie-banner', 'aria-label': t('cookies.title') },
    h('div', { class: 'stack' },
      h('strong', {}, t('cookies.title')),
      h('p', {}, t('cookies.text')),
      h('div', { class: 'row' },
        h('label', { class: 'check', for: 'ck-analytics' }, analytics, t('cookies.analytics')),
        h('label', { class: 'check', for: 'ck-ads' }, ads, t('cookies.advertising')))),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'ghost small', onclick: () => save(false) }, t('cookies.save')),
      h('button', { type: 'button', class: 'ghost small', onclick: () => { analytics.checked = false; ads.checked = false; save(false); } }, t('cookies.essential')),
      h('button', { type: 'button', class: 'small', onclick: () => save(true) }, t('cookies.all'))));
  document.getElementById('banners').after(box);
}

// --- The gates, on every API error ---
onError((err) => {
  // The guardian's page has its own sign-in; its 401 says nothing of the account session.
  if (err.code === 'unauthenticated' && session.me() && parseHash().path !== '/guardian-page') {
    session.forget();
    go('/login');
  } else if (err.code === 'guardian_required' && parseHash().path !== '/guardian') {
    go('/guardian');
  } else if (err.code === 'agreement_required' && session.me()) {
    reagree().then((ok) => ok && route());
  }
});

async function boot() {
  // The skip link moves focus to the main region; its "#main" must not
  // become a route (the hash router would replace the page with "not found").
  document.querySelector('a.skip').addEventListener('click', (e) => {
    e.preventDefault();
    document.getElementById('main').focus();
  });
  document.getElementById('lang').addEventListener('click', () => {
    setLang(lang() === 'zh-CN' ? 'en' : 'zh-CN');
    translatePage();
    renderBanners();
    if (document.getElementById('cookie-banner')) cookieBanner();
    route();
  });
  // The first-use dialog's own switch: the page behind it follows.
  document.addEventListener('xc:lang', () => {
    renderBanners();
    if (document.getElementById('cookie-banner')) cookieBanner();
  });
  translatePage();
  await session.load();
  renderBanners();
  if (session.me()) {
    const ok = await reagree().catch(() => true);
    if (!ok) return;
    renderBanners();
  }
  window.addEventListener('hashchange', route);
  session.onChange(() => { renderBanners(); });
  await route();
  // After the page's first-use dialog, if it had one (issue 22 item 12).
  cookieBanner();
  document.documentElement.dataset.ready = '1';
}

boot().catch((e) => {
  render(h('h1', {}, t('err.title')), h('p', { class: 'error' }, errorText(e)));
});
