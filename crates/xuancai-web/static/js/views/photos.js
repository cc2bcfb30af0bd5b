// The photo library (IMG-1): the grid with its filters, upload by picker or
// drag and drop with progress, one photo's page, albums, the trash.
import { get, post, patch, del, upload } from '../api.js';
import { t } from '../i18n.js';
import { h, render, dialog, field, busy, toast, fmtTime, errorText } from '../ui.js';
import { go } from '../nav.js';
import { publishButton } from './works.js';
import { selectableLibrary, chooseAlbum } from './library.js';

const FILTERS = ['library', 'favourites', 'archived', 'trash'];

export function thumb(p, attrs) {
  const label = p.file_name || t('photos.photo');
  return h('img', { src: p.urls ? p.urls.thumbnail : `/api/v1/photos/${p.id}/thumbnail`, alt: label, loading: 'lazy', ...(attrs || {}) });
}

function cell(p, extra) {
  return h('a', { class: 'cell', href: `#/photos/${p.id}`, dataset: { photo: p.id } }, thumb(p),
    p.favourite ? h('span', { class: 'badge', 'aria-label': t('photos.favourite') }, '♥') : null, extra);
}

/** A paged grid: the first page now, "more" for the rest. */
async function pagedGrid(path, mkCell) {
  const grid = h('div', { class: 'grid', role: 'list' });
  const more = h('button', { type: 'button', class: 'ghost', hidden: true }, t('common.more'));
  const empty = h('p', { class: 'hint', hidden: true }, t('photos.empty'));
  let cursor = null;
  const load = async () => {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(path + (cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''));
    for (const p of page.items) { const c = mkCell(p); c.setAttribute('role', 'listitem'); grid.append(c); }
    cursor = page.next_cursor;
    more.hidden = !cursor;
    empty.hidden = grid.childElementCount > 0;
  };
  more.addEventListener('click', () => busy(more, load));
  await load();
  return h('div', {}, grid, empty, h('div', { class: 'row' }, more));
}

function uploader(onDone) {
  const input = h('input', { type: 'file', accept: 'image/*', multiple: true, class: 'visually-hidden', id: 'upload-input' });
  const list = h('ul', { class: 'uploads', 'aria-live': 'polite' });
  const zone = h('div', { class: 'drop', id: 'drop-zone' },
    h('p', {}, t('photos.drop')),
    h('label', { for: 'upload-input', class: 'button' }, t('photos.choose')), input, list);
  const run = async (files) => {
    let ok = 0;
    for (const file of files) {
      const bar = h('progress', { max: 1, value: 0, 'aria-label': file.name });
      const state = h('span', { class: 'hint' }, t('photos.uploading'));
      const li = h('li', { dataset: { file: file.name } }, h('div', { class: 'row' }, h('span', {}, file.name), state), bar);
      list.append(li);
      try {
        const p = await upload('/api/v1/photos', file, (f) => { bar.value = f; });
        bar.value = 1;
        state.textContent = p.duplicate ? t('photos.duplicate') : t('photos.uploaded');
        state.className = 'ok';
        ok++;
      } catch (e) {
        state.textContent = errorText(e);
        state.className = 'error';
      }
    }
    if (ok) { toast(t('photos.uploaded_n', { n: ok })); onDone(); }
  };
  input.addEventListener('change', () => { run([...input.files]); input.value = ''; });
  for (const ev of ['dragenter', 'dragover']) zone.addEventListener(ev, (e) => { e.preventDefault(); zone.classList.add('over'); });
  for (const ev of ['dragleave', 'drop']) zone.addEventListener(ev, () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => { e.preventDefault(); run([...(e.dataTransfer?.files || [])].filter((f) => f.type.startsWith('image/') || !f.type)); });
  return zone;
}

export async function photosView(_p, query, ctx) {
  const filter = FILTERS.includes(query.get('filter')) ? query.get('filter') : 'library';
  const tabs = h('nav', { class: 'segmented', 'aria-label': t('photos.filters') },
    FILTERS.map((f) => h('a', { href: `#/photos?filter=${f}`, 'aria-current': f === filter ? 'page' : undefined }, t('photos.f_' + f))),
    h('a', { href: '#/albums' }, t('albums.title')));
  // Issue 22 item 13: grouped by day, with selection and bulk actions.
  let lib = null;
  lib = await selectableLibrary(`/api/v1/photos?filter=${filter}&limit=60`, filter, () => lib.refresh());
  if (ctx.stale()) return;
  render(h('h1', {}, t('photos.title')), tabs,
    filter === 'library' ? uploader(() => lib.refresh()) : null,
    filter === 'trash' ? h('p', { class: 'hint' }, t('photos.trash_hint')) : null,
    h('p', { class: 'hint' }, t('photos.select_hint')),
    lib.el);
}

export async function photoView({ id }) {
  const p = await get(`/api/v1/photos/${id}`);
  const trashed = !!p.trashed_at;
  const fav = h('button', { type: 'button', class: 'ghost', 'aria-pressed': String(p.favourite) }, t(p.favourite ? 'photos.unfavourite' : 'photos.favourite'));
  fav.addEventListener('click', () => busy(fav, async () => { await patch(`/api/v1/photos/${id}`, { favourite: !p.favourite }); go(`/photos/${id}`); }));
  const archive = h('button', { type: 'button', class: 'ghost' }, t(p.archived ? 'photos.unarchive' : 'photos.archive'));
  archive.addEventListener('click', () => busy(archive, async () => { await patch(`/api/v1/photos/${id}`, { archived: !p.archived }); go(`/photos/${id}`); }));
  const toAlbum = h('button', { type: 'button', class: 'ghost' }, t('albums.add_to'));
  toAlbum.addEventListener('click', () => busy(toAlbum, async () => {
    const album = await chooseAlbum();
    if (!album) return;
    await post(`/api/v1/albums/${album}/photos`, { photo_ids: [id] });
    toast(t('albums.added'));
  }));
  const remove = h('button', { type: 'button', class: 'danger' }, t(trashed ? 'photos.delete_forever' : 'photos.to_trash'));
  remove.addEventListener('click', () => busy(remove, async () => {
    if (trashed && !(await dialog({ title: t('photos.delete_forever'), body: h('p', {}, t('photos.delete_forever_q')),
      actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('photos.delete_forever'), value: true, kind: 'danger' }] }))) return;
    await del(`/api/v1/photos/${id}${trashed ? '?permanent=true' : ''}`);
    toast(t(trashed ? 'photos.deleted' : 'photos.trashed'));
    go(trashed ? '/photos?filter=trash' : '/photos');
  }));
  const restore = trashed ? h('button', { type: 'button' }, t('photos.restore')) : null;
  if (restore) restore.addEventListener('click', () => busy(restore, async () => { await post(`/api/v1/photos/${id}/restore`); toast(t('photos.restored')); go(`/photos/${id}`); }));
  const meta = [
    [t('photos.file'), p.file_name], [t('photos.size'), `${p.width} × ${p.height}`],
    [t('photos.taken'), p.taken_at], [t('photos.camera'), p.camera], [t('photos.added'), fmtTime(p.created_at)],
  ].filter(([, v]) => v);
  render(h('h1', {}, p.file_name || t('photos.photo')),
    h('div', { class: 'viewer' }, h('img', { src: p.urls.preview, alt: p.file_name || t('photos.photo') })),
    h('div', { class: 'row', style: 'margin:10px 0' },
      trashed ? [restore, remove] : [
        h('a', { class: 'button', href: `#/studio?photo=${id}` }, t('photos.edit')),
        fav, archive, toAlbum, publishButton(id, (p.file_name || '').replace(/\.[^.]+$/, '')),
        h('a', { class: 'button ghost', href: p.urls.original, download: p.file_name || 'photo' }, t('common.download')),
        remove]),
    h('dl', { class: 'card' }, meta.map(([k, v]) => [h('dt', { class: 'hint' }, k), h('dd', {}, v)])),
    p.location_removed ? h('p', { class: 'pill-note' }, t('photos.location_removed')) : null);
}

export async function albumsView() {
  const list = (await get('/api/v1/albums?limit=100')).items;
  const name = h('input', { required: true, maxlength: 100 });
  const create = h('button', { type: 'submit' }, t('albums.create'));
  const form = h('form', { class: 'row card' }, h('label', { for: 'album-name', class: 'visually-hidden' }, t('albums.new_name')), name, create);
  name.id = 'album-name';
  name.placeholder = t('albums.new_name');
  form.addEventListener('submit', (e) => { e.preventDefault(); busy(create, async () => { const a = await post('/api/v1/albums', { name: name.value.trim() }); go(`/albums/${a.id}`); }); });
  render(h('h1', {}, t('albums.title')),
    h('nav', { class: 'segmented' }, h('a', { href: '#/photos' }, t('photos.f_library')), h('a', { href: '#/albums', 'aria-current': 'page' }, t('albums.title'))),
    form,
    list.length ? h('div', { class: 'cards' }, list.map((a) => h('a', { class: 'work', href: `#/albums/${a.id}` },
      a.cover ? h('img', { src: a.cover.thumbnail, alt: '' }) : h('div', { class: 'checker', style: 'aspect-ratio:1' }),
      h('div', { class: 'meta' }, h('strong', {}, a.name), h('div', { class: 'hint' }, t('albums.count', { n: a.photo_count })))))) :
      h('p', { class: 'hint' }, t('albums.empty')));
}

export async function albumView({ id }) {
  const a = await get(`/api/v1/albums/${id}`);
  const rename = h('button', { type: 'button', class: 'ghost' }, t('albums.rename'));
  rename.addEventListener('click', () => busy(rename, async () => {
    const input = h('input', { value: a.name, required: true, maxlength: 100 });
    if ((await dialog({ title: t('albums.rename'), body: field(t('albums.new_name'), input),
      actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('common.save'), value: true, submit: true }] })) !== true) return;
    await patch(`/api/v1/albums/${id}`, { name: input.value.trim() });
    go(`/albums/${id}?r=${Date.now()}`);
  }));
  const addPhotos = h('button', { type: 'button' }, t('albums.add_photos'));
  addPhotos.addEventListener('click', () => busy(addPhotos, async () => {
    const ids = await pickPhotos({ multiple: true, title: t('albums.add_photos') });
    if (!ids || !ids.length) return;
    await post(`/api/v1/albums/${id}/photos`, { photo_ids: ids });
    go(`/albums/${id}?r=${Date.now()}`);
  }));
  const remove = h('button', { type: 'button', class: 'danger' }, t('albums.delete'));
  remove.addEventListener('click', () => busy(remove, async () => {
    if (!(await dialog({ title: t('albums.delete'), body: h('p', {}, t('albums.delete_q')),
      actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('albums.delete'), value: true, kind: 'danger' }] }))) return;
    await del(`/api/v1/albums/${id}`);
    go('/albums');
  }));
  const grid = await pagedGrid(`/api/v1/albums/${id}/photos?limit=60`, (p) => {
    const out = h('button', { type: 'button', class: 'small ghost', 'aria-label': t('albums.take_out') + ' ' + (p.file_name || '') }, '×');
    out.style.cssText = 'position:absolute;left:4px;top:4px;min-height:28px;padding:0 8px;background:#fff';
    out.addEventListener('click', (e) => { e.preventDefault(); busy(out, async () => { await del(`/api/v1/albums/${id}/photos/${p.id}`); out.closest('.cell').remove(); }); });
    return cell(p, out);
  });
  render(h('h1', {}, a.name), h('p', { class: 'hint' }, t('albums.count', { n: a.photo_count })),
    h('div', { class: 'row', style: 'margin-bottom:10px' }, addPhotos, rename, remove), grid);
}

/** A dialog to choose photos from the library; resolves with their ids. */
export async function pickPhotos({ multiple, title, max }) {
  const page = await get('/api/v1/photos?filter=library&limit=60');
  const chosen = new Set();
  const grid = h('div', { class: 'grid', role: 'group', 'aria-label': title });
  for (const p of page.items) {
    const b = h('button', { type: 'button', class: 'cell', 'aria-pressed': 'false', dataset: { photo: p.id } }, thumb(p));
    b.addEventListener('click', () => {
      if (!multiple) { chosen.clear(); grid.querySelectorAll('[aria-pressed=true]').forEach((x) => x.setAttribute('aria-pressed', 'false')); }
      if (chosen.has(p.id)) chosen.delete(p.id);
      else if (!max || chosen.size < max) chosen.add(p.id);
      b.setAttribute('aria-pressed', String(chosen.has(p.id)));
    });
    grid.append(b);
  }
  const body = page.items.length ? grid : h('p', {}, t('photos.empty'), ' ', h('a', { href: '#/photos' }, t('photos.choose')));
  const ok = await dialog({ title, body, actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('common.choose'), value: true }] });
  return ok ? [...chosen] : null;
}

