// What the studio's tools share: the photo chooser, a job followed with its
// progress, a result's name and its actions (download, save to the library,
// save as a work: issue 22 item 5), before/after, and the face consent.
import { get, post, followJob } from '../api.js';
import { t } from '../i18n.js';
import { h, busy, toast, errorText } from '../ui.js';
import { pickPhotos } from './photos.js';
import { publishButton } from './works.js';
import { separateConsent } from '../consent.js';

/** The chosen photo, with a button to choose another. */
export function photoSlot(label, initial, onChange) {
  let id = initial;
  const img = h('img', { alt: label, style: 'max-height:200px;border-radius:8px' });
  const none = h('p', { class: 'hint' }, t('studio.no_photo'));
  const show = () => {
    img.hidden = !id; none.hidden = !!id;
    if (id) img.src = `/api/v1/photos/${id}/thumbnail`;
  };
  const choose = h('button', { type: 'button', class: 'ghost' }, t('studio.choose_photo'));
  choose.addEventListener('click', () => busy(choose, async () => {
    const ids = await pickPhotos({ multiple: false, title: label });
    if (ids && ids[0]) { id = ids[0]; show(); if (onChange) onChange(id); }
  }));
  show();
  const frame = h('div', { class: 'frame' }, img);
  const box = h('div', { class: 'card', role: 'group', 'aria-label': label }, h('h3', {}, label), frame, none, h('div', { class: 'row' }, choose));
  return { box, frame, get: () => id, choose };
}

/**
 * Queue a job and follow it; shows progress in `out` (kept in view on a
 * phone) with an optional `placeholder` ({ el, update(job) }) to look at
 * while it runs, then `showResult`'s answer. Resolves with the finished job.
 */
export async function runJob(body, out, showResult, placeholder) {
  // The job's progress is a percentage, written by the worker after each
  // step (issue 22 item 6).
  const bar = h('progress', { max: 100, value: 0, 'aria-label': t('studio.progress') });
  const state = h('p', { class: 'hint', role: 'status' }, t('studio.queued'));
  out.replaceChildren(bar, state, placeholder ? placeholder.el : '');
  out.scrollIntoView({ block: 'nearest' });
  try {
    const job = await post('/api/v1/jobs', body);
    out.dataset.job = job.id;
    const done = await followJob(job.id, (p, s, j) => {
      bar.value = p;
      const what = (j && j.step && stepText(j)) || t('studio.' + s, null, null) || s;
      if (placeholder && j) placeholder.update(j);
      state.textContent = s === 'running' && p > 0 ? `${what} ${Math.round(p)}%` : what;
    });
    if (showResult) out.replaceChildren(await showResult(done));
    else out.replaceChildren();
    return done;
  } catch (e) {
    state.textContent = errorText(e);
    state.className = 'error';
    bar.remove();
    throw e;
  }
}

/**
 * What a running job is doing, in words (issue 22 item 6): the server says
 * which step, and for a pack which sticker of how many.
 */
function stepText(job) {
  const s = job.step;
  if (s.step === 'sticker') return t('studio.step_sticker', { n: s.number, of: s.of });
  if (s.step === 'working') return t('studio.step_working_' + job.kind, null, null) || t('studio.running');
  if (s.step === 'storing') return t(job.kind === 'pack' ? 'studio.step_packing' : 'studio.step_storing');
  return t('studio.step_reading');
}

/** File extensions of the formats a job's result can have. */
const EXTENSIONS = { png: 'png', jpeg: 'jpg', webp: 'webp', gif: 'gif', zip: 'zip' };

/**
 * A result's download name (issue 22 item 5): the source photo's name, what
 * was made, and the extension of the format the server actually wrote (an
 * opaque cutout is a JPEG, not `cutout.png`).
 */
export function resultName(sourceName, what, format) {
  const stem = String(sourceName || '').replace(/\.[^./\\]*$/, '')
    .replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').trim().slice(0, 80);
  return `${stem || 'xuancai'}-${what}.${EXTENSIONS[format] || 'bin'}`;
}

/** The file name of a photo of the library ('' when it cannot be read). */
export async function photoName(id) {
  if (!id) return '';
  const p = await get(`/api/v1/photos/${id}`).catch(() => null);
  return (p && p.file_name) || '';
}

/** Save a finished job's result to the library; resolves with the photo. */
export async function saveToLibrary(jobId) {
  const v = await post(`/api/v1/jobs/${jobId}/save`, {});
  toast(t('studio.saved_library'));
  return v.photo;
}

/**
 * Download, save to the library, save as a work — for a result that is
 * ready (`job`) or made on demand (`ready()` resolves with the finished
 * job: the cutout renders its full-resolution file only then, item 3).
 * Nothing is in the library until "保存到相册" (item 5).
 */
export function resultButtons({ ready, name }) {
  const download = h('button', { type: 'button', id: 'download-result' }, t('common.download'));
  download.addEventListener('click', () => busy(download, async () => {
    const job = await ready();
    if (!job) return;
    const a = h('a', { href: job.result.urls.original, download: name(job), hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
  }));
  const toLibrary = h('button', { type: 'button', class: 'ghost', id: 'save-result' }, t('studio.save_library'));
  toLibrary.addEventListener('click', () => busy(toLibrary, async () => {
    const job = await ready();
    if (!job) return;
    const photo = await saveToLibrary(job.id);
    toLibrary.after(h('a', { class: 'button ghost', href: `#/photos/${photo.id}`, id: 'saved-photo' }, t('studio.in_library')));
  }));
  const asWork = publishButton(async () => {
    const job = await ready();
    return job ? { job: job.id } : null;
  });
  return h('div', { class: 'row', id: 'result-actions' }, download, toLibrary, asWork);
}

/**
 * The actions of a finished job's result (face swap, sticker). A video
 * (a Telegram sticker) is downloaded only: the library and works hold
 * pictures.
 */
export async function resultActions(job, sourceId, what) {
  const source = await photoName(sourceId);
  const buttons = resultButtons({ ready: async () => job, name: (j) => resultName(source, what, j.result.format) });
  if (job.result.format === 'webm') {
    buttons.replaceChildren(buttons.firstChild, h('p', { class: 'hint', id: 'video-note' }, t('sticker.video_download_only')));
  }
  return buttons;
}

/**
 * Before/after (issue 22 item 2): the original on the left, `after` (an
 * image or the live canvas) on the right over a checkerboard, so a
 * transparent cut-out shows what was removed. The handle on the image is
 * dragged (mouse, touch, pen) unless `locked()` (while a brush paints); the
 * slider under it does the same from the keyboard (arrows).
 */
export function compare(before, after, locked = () => false) {
  const handle = h('div', { class: 'handle', 'aria-hidden': 'true' });
  const afterEl = typeof after === 'string' ? h('img', { src: after, alt: t('cutout.after'), draggable: false }) : after;
  const box = h('div', { class: 'compare', id: 'compare' },
    h('img', { src: before, alt: t('cutout.before'), draggable: false }),
    h('div', { class: 'after checker' }, afterEl),
    handle);
  const slider = h('input', { type: 'range', min: 0, max: 100, value: 50, 'aria-label': t('cutout.compare') });
  const set = (pct) => {
    const v = Math.round(Math.min(100, Math.max(0, pct)));
    box.style.setProperty('--cut', v + '%');
    slider.value = String(v);
  };
  slider.addEventListener('input', () => set(Number(slider.value)));
  const follow = (e) => {
    const r = box.getBoundingClientRect();
    if (r.width > 0) set(((e.clientX - r.left) / r.width) * 100);
  };
  box.addEventListener('pointerdown', (e) => {
    if (locked()) return;
    box.setPointerCapture(e.pointerId);
    follow(e);
    e.preventDefault();
  });
  box.addEventListener('pointermove', (e) => { if (!locked() && box.hasPointerCapture(e.pointerId)) follow(e); });
  const el = h('div', {}, box, slider, h('div', { class: 'row hint', style: 'justify-content:space-between' }, h('span', {}, t('cutout.before')), h('span', {}, t('cutout.after'))));
  return { el, set, box };
}

/** CON-3: the separate consent for face information, asked when it is needed. */
export const faceConsent = () => separateConsent('faces', 'faces');

/**
 * A pack's placeholder while it is made (issue 22 item 6): the chosen
 * photos in order, each marked done as the worker moves on, the one being
 * made marked as such.
 */
export function packPlaceholder(photoIds) {
  const cells = photoIds.map((id, i) => h('li', { class: 'pending', dataset: { n: String(i + 1) } },
    h('img', { src: `/api/v1/photos/${id}/thumbnail`, alt: t('pack.sticker_n', { n: i + 1 }) })));
  const el = h('ol', { class: 'pack-placeholder', id: 'pack-placeholder', 'aria-label': t('pack.placeholder') }, cells);
  const update = (job) => {
    const s = job.step;
    const current = s && s.step === 'sticker' ? s.number : (s && s.step === 'storing' ? cells.length + 1 : 0);
    cells.forEach((c, i) => {
      c.className = i + 1 < current ? 'made' : (i + 1 === current ? 'making' : 'pending');
      if (i + 1 === current) c.setAttribute('aria-current', 'step'); else c.removeAttribute('aria-current');
    });
  };
  return { el, update };
}
