// The library grid with selection (issue 22 item 13): photos grouped by the
// day they were taken (the upload day when the photo says nothing), a
// checkbox on every photo, long-press on a phone and shift-click on a
// desktop to select, and bulk actions on the selection — add to an album,
// favourite, archive, move to the trash with an undo (or, in the trash,
// restore and delete forever).
import { get, post, patch, del } from '../api.js';
import { t } from '../i18n.js';
import { h, dialog, field, busy, toast, fmtDate, errorText } from '../ui.js';
import { thumb } from './photos.js';

/** The day a photo was taken (EXIF `2024:05:01 12:00:00`), else uploaded. */
export function photoDay(p) {
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})/.exec(p.taken_at || '');
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  const d = new Date(p.created_at);
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/** Run `fn` on every id, a few at a time; the ids it failed on. */
async function each(ids, fn) {
  const failed = [];
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      try { await fn(id); } catch (e) { failed.push([id, e]); }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return failed;
}

/** Ask for an album (or a new one); its id, or null. */
export async function chooseAlbum() {
  const albums = (await get('/api/v1/albums?limit=100')).items;
  const sel = h('select', {}, albums.map((a) => h('option', { value: a.id }, a.name)));
  const name = h('input', { placeholder: t('albums.new_name') });
  const choice = await dialog({
    title: t('albums.add_to'),
    body: h('div', {}, albums.length ? field(t('albums.pick'), sel) : null, field(t('albums.or_new'), name)),
    actions: [{ label: t('common.cancel'), value: null, kind: 'ghost' }, { label: t('common.add'), value: 'ok', submit: true }],
  });
  if (choice !== 'ok') return null;
  if (name.value.trim()) return (await post('/api/v1/albums', { name: name.value.trim() })).id;
  return sel.value || null;
}

/**
 * The grid of `path`'s photos, paged, grouped by day, with selection.
 * `reload()` is called after a bulk action changed what the filter shows.
 */
export async function selectableLibrary(path, filter, reload) {
  const photos = [];
  const selected = new Set();
  let anchor = null; // the last photo clicked, for shift-click ranges
  let cursor = null;
  const groups = h('div', { class: 'groups' });
  const more = h('button', { type: 'button', class: 'ghost', hidden: true }, t('common.more'));
  const empty = h('p', { class: 'hint', hidden: true }, t('photos.empty'));
  const count = h('span', { role: 'status', id: 'selection-count' });
  const bar = h('div', { class: 'selection-bar', id: 'selection-bar', hidden: true, role: 'toolbar', 'aria-label': t('photos.selection') }, count);
  const undoBar = h('div', { class: 'undo-bar', id: 'undo-bar', hidden: true, role: 'status' });
  const order = () => [...photos].sort((a, b) => photoDay(b).localeCompare(photoDay(a)) || b.created_at - a.created_at);

  const cells = new Map();
  const sync = () => {
    for (const [id, c] of cells) {
      const on = selected.has(id);
      c.classList.toggle('selected', on);
      c.querySelector('input.pick').checked = on;
    }
    groups.classList.toggle('selecting', selected.size > 0);
    bar.hidden = selected.size === 0;
    count.textContent = t('photos.selected_n', { n: selected.size });
  };
  const toggle = (id, e) => {
    const list = order().map((p) => p.id);
    if (e && e.shiftKey && anchor && anchor !== id) {
      const [a, b] = [list.indexOf(anchor), list.indexOf(id)].sort((x, y) => x - y);
      for (const x of list.slice(a, b + 1)) selected.add(x);
    } else if (selected.has(id)) selected.delete(id);
    else selected.add(id);
    anchor = id;
    sync();
  };

  const cellOf = (p) => {
    const box = h('input', { type: 'checkbox', class: 'pick', 'aria-label': t('photos.select_one', { name: p.file_name || t('photos.photo') }) });
    const c = h('a', { class: 'cell', href: `#/photos/${p.id}`, dataset: { photo: p.id } }, thumb(p),
      p.favourite ? h('span', { class: 'badge', 'aria-label': t('photos.favourite') }, '♥') : null, box);
    c.setAttribute('role', 'listitem');
    box.addEventListener('click', (e) => { e.stopPropagation(); e.preventDefault(); toggle(p.id, e); });
    // While photos are selected (or with shift held), a click selects
    // instead of opening the photo.
    c.addEventListener('click', (e) => {
      if (selected.size > 0 || e.shiftKey) { e.preventDefault(); toggle(p.id, e); }
    });
    // Long-press on a phone starts a selection.
    let timer = null;
    let pressed = false;
    c.addEventListener('pointerdown', (e) => {
      if (e.pointerType === 'mouse') return;
      pressed = false;
      timer = setTimeout(() => { pressed = true; toggle(p.id); }, 450);
    });
    for (const ev of ['pointerup', 'pointercancel', 'pointermove']) {
      c.addEventListener(ev, () => { clearTimeout(timer); });
    }
    c.addEventListener('click', (e) => { if (pressed) { e.preventDefault(); e.stopImmediatePropagation(); pressed = false; } }, true);
    c.addEventListener('contextmenu', (e) => { if (e.pointerType !== 'mouse') e.preventDefault(); });
    cells.set(p.id, c);
    return c;
  };

  const draw = () => {
    cells.clear();
    const byDay = new Map();
    for (const p of order()) {
      const d = photoDay(p);
      if (!byDay.has(d)) byDay.set(d, []);
      byDay.get(d).push(p);
    }
    groups.replaceChildren(...[...byDay].map(([day, ps]) => h('section', { class: 'day', 'aria-label': day },
      h('h2', { class: 'day-title' }, fmtDate(Date.parse(day + 'T00:00:00'))),
      h('div', { class: 'grid', role: 'list' }, ps.map(cellOf)))));
    empty.hidden = photos.length > 0;
    sync();
  };
  const load = async () => {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(path + (cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''));
    photos.push(...page.items);
    cursor = page.next_cursor;
    more.hidden = !cursor;
    draw();
  };
  more.addEventListener('click', () => busy(more, load));

  const report = (failed, done) => {
    if (failed.length) toast(errorText(failed[0][1]), 'error');
    else toast(done);
  };
  const action = (label, kind, fn) => {
    const b = h('button', { type: 'button', class: kind || 'ghost small' }, label);
    b.addEventListener('click', () => busy(b, async () => { await fn([...selected]); }));
    bar.append(b);
  };
  const finish = () => { selected.clear(); reload(); };
  if (filter === 'trash') {
    action(t('photos.restore'), 'small', async (ids) => {
      report(await each(ids, (id) => post(`/api/v1/photos/${id}/restore`)), t('photos.restored_n', { n: ids.length }));
      finish();
    });
    action(t('photos.delete_forever'), 'danger small', async (ids) => {
      if (!(await dialog({ title: t('photos.delete_forever'), body: h('p', {}, t('photos.delete_forever_n', { n: ids.length })),
        actions: [{ label: t('common.cancel'), value: false, kind: 'ghost' }, { label: t('photos.delete_forever'), value: true, kind: 'danger' }] }))) return;
      report(await each(ids, (id) => del(`/api/v1/photos/${id}?permanent=true`)), t('photos.deleted'));
      finish();
    });
  } else {
    action(t('albums.add_to'), null, async (ids) => {
      const album = await chooseAlbum();
      if (!album) return;
      await post(`/api/v1/albums/${album}/photos`, { photo_ids: ids });
      toast(t('albums.added_n', { n: ids.length }));
      selected.clear(); sync();
    });
    action(t('photos.favourite'), null, async (ids) => {
      const all = ids.every((id) => photos.find((p) => p.id === id)?.favourite);
      report(await each(ids, (id) => patch(`/api/v1/photos/${id}`, { favourite: !all })), t(all ? 'photos.unfavourited_n' : 'photos.favourited_n', { n: ids.length }));
      finish();
    });
    action(t(filter === 'archived' ? 'photos.unarchive' : 'photos.archive'), null, async (ids) => {
      report(await each(ids, (id) => patch(`/api/v1/photos/${id}`, { archived: filter !== 'archived' })), t('photos.done_n', { n: ids.length }));
      finish();
    });
    // To the trash, with an undo (the trash keeps them 30 days anyway).
    action(t('photos.to_trash'), 'danger small', async (ids) => {
      const failed = await each(ids, (id) => del(`/api/v1/photos/${id}`));
      const gone = ids.filter((id) => !failed.some(([f]) => f === id));
      if (failed.length) toast(errorText(failed[0][1]), 'error');
      selected.clear();
      await reload();
      const undo = h('button', { type: 'button', class: 'ghost small', id: 'undo-delete' }, t('photos.undo'));
      undoBar.replaceChildren(h('span', {}, t('photos.trashed_n', { n: gone.length })), undo);
      undoBar.hidden = false;
      undo.addEventListener('click', () => busy(undo, async () => {
        report(await each(gone, (id) => post(`/api/v1/photos/${id}/restore`)), t('photos.restored_n', { n: gone.length }));
        undoBar.hidden = true;
        await reload();
      }));
      setTimeout(() => { undoBar.hidden = true; }, 10_000);
    });
  }
  action(t('photos.clear_selection'), 'ghost small', async () => { selected.clear(); sync(); });

  /** Show `path` again from its first page (after a bulk action). */
  const refresh = async () => { photos.length = 0; cursor = null; await load(); };
  await load();
  return { el: h('div', {}, bar, undoBar, groups, empty, h('div', { class: 'row' }, more)), refresh };
}
