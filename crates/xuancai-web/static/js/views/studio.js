// The editor: cutout with live backgrounds and touch-up (IMG-2, in
// `cutout.js`), face swap behind its own consent prompt and the subjects'
// affirmation (IMG-3, CON-3), stickers with captions, outline, templates and
// platform presets, and packs (IMG-4). Every edit is a job on the server,
// followed live; its result is the job's until the user saves it.
import { get } from '../api.js';
import { t, templateTitle } from '../i18n.js';
import { h, render, field, check, busy, toast } from '../ui.js';
import * as session from '../session.js';
import { pickPhotos } from './photos.js';
import { photoSlot, runJob, resultActions, faceConsent, packPlaceholder } from './studio_common.js';
import { cutoutPanel } from './cutout.js';

const TABS = ['cutout', 'faceswap', 'sticker', 'pack'];
const PLATFORMS = ['whatsapp', 'telegram', 'signal', 'wechat'];
const EFFECTS = ['', 'shake', 'pulse', 'typewriter', 'flash'];

export async function studioView(_p, query, ctx) {
  const tab = TABS.includes(query.get('tab')) ? query.get('tab') : 'cutout';
  const photo = query.get('photo');
  const nav = h('nav', { class: 'segmented', 'aria-label': t('studio.tools') },
    TABS.map((k) => h('a', { href: `#/studio?tab=${k}${photo ? '&photo=' + photo : ''}`, 'aria-current': k === tab ? 'page' : undefined }, t('studio.' + k))));
  const panel = await { cutout: cutoutPanel, faceswap, sticker, pack }[tab](photo, query);
  // A tab left while it was loading does not replace the one opened since.
  if (ctx && ctx.stale()) return;
  render(h('h1', {}, t('studio.title')), nav, panel);
}

/**
 * A face-swap photo with its faces marked and numbered as the server numbers
 * them (`GET /photos/{id}/faces`, the swap's own numbering, IMG-3): the user
 * taps the face to use or to replace. Faces are found only with the face
 * consent (CON-3): without it, a button asks for it first.
 */
function faceSlot(label, initial) {
  let chosen = null;
  const layer = h('div', { class: 'faces', role: 'group', 'aria-label': t('faces.pick') });
  const note = h('p', { class: 'hint', role: 'status' });
  const find = h('button', { type: 'button', class: 'ghost', hidden: true }, t('faces.find'));
  async function load(id) {
    chosen = null;
    layer.replaceChildren();
    note.textContent = '';
    if (!id) return;
    if (!session.consents()) await session.refreshConsents();
    if (!session.granted('faces')) { find.hidden = false; return; }
    find.hidden = true;
    const found = await get(`/api/v1/photos/${id}/faces`);
    if (!found.faces.length) { note.textContent = t('faces.none_found'); return; }
    note.textContent = t('faces.pick_hint');
    const pct = (v, of) => `${(100 * v / of).toFixed(2)}%`;
    for (const f of found.faces) {
      const b = h('button', {
        type: 'button', class: 'face', 'aria-pressed': 'false', 'aria-label': t('faces.face', { n: f.index + 1 }),
        style: `left:${pct(f.x, found.width)};top:${pct(f.y, found.height)};width:${pct(f.width, found.width)};height:${pct(f.height, found.height)}`,
      }, String(f.index + 1));
      b.addEventListener('click', () => {
        chosen = f.index;
        for (const other of layer.children) other.setAttribute('aria-pressed', String(other === b));
      });
      layer.append(b);
    }
  }
  const slot = photoSlot(label, initial, (id) => load(id).catch(() => {}));
  slot.frame.append(layer);
  slot.box.append(note, find);
  find.addEventListener('click', () => busy(find, async () => { if (await faceConsent()) await load(slot.get()); }));
  load(initial).catch(() => {});
  return { box: slot.box, get: slot.get, face: () => chosen };
}

async function faceswap(photo) {
  const source = faceSlot(t('faces.source'), null);
  const target = faceSlot(t('faces.target'), photo);
  const subjects = h('input', { id: 'subject-consent' });
  const all = h('input', {});
  const out = h('div', { id: 'result', 'aria-live': 'polite' });
  const start = h('button', { type: 'button' }, t('faces.start'));
  start.addEventListener('click', () => busy(start, async () => {
    if (!source.get() || !target.get()) return toast(t('faces.need_both'), 'error');
    if (!subjects.checked) { subjects.focus(); return toast(t('faces.need_affirmation'), 'error'); }
    if (!(await faceConsent())) return toast(t('faces.declined'));
    const body = { kind: 'face_swap', source: source.get(), target: target.get(), subject_consent: true, all: all.checked };
    // The faces tapped, in the server's numbering; none tapped: the
    // source's first face onto the target's largest.
    if (source.face() !== null) body.source_face = source.face();
    if (target.face() !== null && !all.checked) body.target_face = target.face();
    await runJob(body, out, async (job) => h('div', { class: 'stack' },
      h('img', { src: job.result.urls.original, alt: t('faces.result'), style: 'max-width:100%;border-radius:8px' }),
      h('p', { class: 'pill-note' }, t('faces.labelled')), await resultActions(job, body.target, 'face-swap')));
  }));
  return h('div', { class: 'editor' }, h('div', {}, h('div', { class: 'row', style: 'align-items:stretch' }, source.box, target.box)),
    h('div', {},
      h('div', { class: 'card stack' },
        h('p', {}, t('faces.intro')),
        check(h('span', { class: 'key' }, t('faces.affirm')), subjects),
        check(t('faces.all'), all),
        h('p', { class: 'hint' }, t('faces.withdraw_hint'), ' ', h('a', { href: '#/privacy' }, t('privacy.title')))),
      start), out);
}

async function templatesSelect() {
  const rec = await get('/api/v1/templates/recommended?limit=10').catch(() => ({ items: [], personalised: false }));
  const sel = h('select', {}, rec.items.map((tp) => h('option', { value: tp.name }, tp.name === 'sticker' ? t('sticker.plain') : templateTitle(tp))));
  const note = h('p', { class: 'hint', id: 'rec-basis' }, t(rec.personalised ? 'sticker.rec_personal' : 'sticker.rec_popular'));
  return { sel, note };
}

/** Emoji the sticker font cannot draw (as `xuancai_stickers::caption::is_colour_emoji`). */
const COLOUR_EMOJI = /[\u{1F300}-\u{1FAFF}\u{FE0F}\u{200D}\u{E0020}-\u{E007F}]/u;

/** What a moving sticker becomes on platforms with their own format (issue 22 item 9a). */
const MOVING_AS = { telegram: 'sticker.moving_telegram', signal: 'sticker.moving_signal' };

/**
 * The platform, caption and animation of a sticker or pack, checked before
 * anything runs (issue 22 item 8): a moving sticker for Telegram or Signal
 * says what it becomes (WebM video, APNG); a caption with an emoji the
 * font cannot draw is refused at once, in the user's language.
 */
function stickerOptions() {
  const platform = h('select', {}, PLATFORMS.map((p) => h('option', { value: p }, t('sticker.p_' + p))));
  const caption = h('input', { maxlength: 120, placeholder: t('sticker.caption_ph') });
  const animate = h('select', {}, EFFECTS.map((e) => h('option', { value: e }, t('sticker.e_' + (e || 'none')))));
  const animateNote = h('p', { class: 'hint', id: 'animate-note', hidden: true });
  const explain = () => {
    const key = animate.value ? MOVING_AS[platform.value] : null;
    animateNote.hidden = !key;
    if (key) animateNote.textContent = t(key);
  };
  platform.addEventListener('change', explain);
  animate.addEventListener('change', explain);
  const captionError = h('p', { class: 'error', id: 'caption-error', role: 'alert', hidden: true });
  const captionOk = () => {
    const found = caption.value.match(COLOUR_EMOJI);
    captionError.hidden = !found;
    if (found) captionError.textContent = t('sticker.caption_emoji', { c: found[0] });
    return !found;
  };
  caption.addEventListener('input', captionOk);
  const captionField = (hint) => h('div', {}, field(t('sticker.caption'), caption, hint), captionError);
  const animateField = () => h('div', {}, field(t('sticker.animate'), animate), animateNote);
  return { platform, caption, animate, captionOk, captionField, animateField };
}

/**
 * A sticker as the browser shows it: an image, or (a Telegram video
 * sticker) a muted looping video with its alpha over the checkerboard.
 */
function stickerMedia(src, video, label, side) {
  const size = side ? { width: side, height: side } : {};
  return video
    ? h('video', { src, autoplay: true, loop: true, muted: true, playsinline: true, 'aria-label': label, ...size })
    : h('img', { src, alt: label, ...size });
}

async function sticker(photo, query) {
  const src = photoSlot(t('studio.photo'), photo);
  // Issue 22 item 4: a cut-out touched up in the cutout tool (its job),
  // used instead of cutting the photo again while the photo stays the same.
  const cutout = query && query.get('cutout');
  const cutNote = cutout ? h('div', { class: 'card stack', id: 'sticker-from-cut' },
    h('div', { class: 'checker', style: 'display:inline-block;padding:6px;align-self:flex-start' },
      h('img', { src: `/api/v1/jobs/${encodeURIComponent(cutout)}/result/preview`, alt: t('sticker.cut_used'), style: 'max-height:160px' })),
    h('p', { class: 'pill-note' }, t('sticker.from_cut'))) : null;
  const { sel, note } = await templatesSelect();
  const { platform, caption, animate, captionOk, captionField, animateField } = stickerOptions();
  const out = h('div', { id: 'result', 'aria-live': 'polite' });
  const start = h('button', { type: 'button' }, t('sticker.start'));
  start.addEventListener('click', () => busy(start, async () => {
    if (!src.get()) return toast(t('studio.no_photo'), 'error');
    if (!captionOk()) return caption.focus();
    const body = { kind: 'sticker', photo: src.get(), platform: platform.value };
    if (sel.value && sel.value !== 'sticker') body.template = sel.value;
    if (caption.value.trim()) body.caption = caption.value.trim();
    if (animate.value) body.animate = animate.value;
    if (cutout && body.photo === photo) body.cutout = cutout;
    await runJob(body, out, async (job) => h('div', { class: 'stack' },
      h('div', { class: 'checker', style: 'display:inline-block;padding:8px' }, stickerMedia(job.result.urls.original, job.result.format === 'webm', t('sticker.result'), 256)),
      h('p', { class: 'hint' }, t('sticker.made_for', { platform: t('sticker.p_' + platform.value) })),
      await resultActions(job, body.photo, `sticker-${platform.value}`)));
  }));
  return h('div', { class: 'editor' }, h('div', {}, src.box, cutNote),
    h('div', {}, h('div', { class: 'card' },
      field(t('sticker.template'), sel), note,
      captionField(t('sticker.caption_hint')),
      field(t('sticker.platform'), platform, t('sticker.platform_hint')),
      animateField()), start), out);
}

/**
 * How a person actually imports a pack on its platform (issue 22 item 9),
 * shown beside the download: the steps of the platform's own way in.
 */
function importSteps(platform) {
  const steps = [];
  for (let i = 1; ; i += 1) {
    const step = t(`pack.import_${platform}_${i}`, null, null);
    if (step === null) break;
    steps.push(h('li', {}, step));
  }
  return h('section', { class: 'card', id: 'import-steps', 'aria-labelledby': 'import-title' },
    h('h3', { id: 'import-title' }, t('pack.import_title', { platform: t('sticker.p_' + platform) })),
    h('ol', {}, steps));
}

async function pack() {
  let photos = [];
  const count = h('p', { class: 'hint', role: 'status' }, t('pack.count', { n: 0 }));
  const choose = h('button', { type: 'button', class: 'ghost' }, t('pack.choose'));
  // Issue 22 item 9: each sticker may have its own caption and emojis.
  const perSticker = h('ol', { class: 'pack-stickers', id: 'pack-stickers', 'aria-label': t('pack.each') });
  const ownFields = [];
  choose.addEventListener('click', () => busy(choose, async () => {
    const ids = await pickPhotos({ multiple: true, title: t('pack.choose'), max: 30 });
    if (!ids) return;
    photos = ids;
    count.textContent = t('pack.count', { n: ids.length });
    ownFields.length = 0;
    perSticker.replaceChildren(...ids.map((id, i) => {
      const own = {
        caption: h('input', { maxlength: 120, placeholder: t('pack.own_caption_ph'), 'aria-label': t('pack.own_caption', { n: i + 1 }) }),
        emojis: h('input', { maxlength: 12, placeholder: t('pack.own_emojis_ph'), 'aria-label': t('pack.own_emojis', { n: i + 1 }), style: 'max-width:90px' }),
      };
      ownFields.push(own);
      return h('li', { class: 'row' }, h('img', { src: `/api/v1/photos/${id}/thumbnail`, alt: t('pack.sticker_n', { n: i + 1 }) }), own.caption, own.emojis);
    }));
  }));
  const name = h('input', { maxlength: 128, value: t('pack.default_name'), required: true });
  const emojis = h('input', { value: '🙂', maxlength: 12 });
  const { platform, caption, animate, captionOk, captionField, animateField } = stickerOptions();
  const out = h('div', { id: 'result', 'aria-live': 'polite' });
  const start = h('button', { type: 'button' }, t('pack.start'));
  start.addEventListener('click', () => busy(start, async () => {
    if (!captionOk()) return caption.focus();
    const body = { kind: 'pack', photos, name: name.value.trim(), platform: platform.value, emojis: emojis.value.trim().split(/\s+/).filter(Boolean).slice(0, 3) };
    if (caption.value.trim()) body.caption = caption.value.trim();
    if (animate.value) body.animate = animate.value;
    const own = ownFields.map((f) => {
      const entry = {};
      if (f.caption.value.trim()) entry.caption = f.caption.value.trim();
      const e = f.emojis.value.trim().split(/\s+/).filter(Boolean).slice(0, 3);
      if (e.length) entry.emojis = e;
      return entry;
    });
    const bad = own.find((e) => e.caption && COLOUR_EMOJI.test(e.caption));
    if (bad) return toast(t('sticker.caption_emoji', { c: bad.caption.match(COLOUR_EMOJI)[0] }), 'error');
    while (own.length && !Object.keys(own[own.length - 1]).length) own.pop();
    if (own.length) body.stickers = own;
    await runJob(body, out, (job) => h('div', { class: 'stack' },
      h('p', { class: 'ok' }, t('pack.done', { n: (job.result.stickers || photos.length) })),
      // Issue 22 item 9: every sticker, seen before the download.
      h('ol', { class: 'pack-grid checker', id: 'pack-grid', 'aria-label': t('pack.preview') },
        (job.result.urls.stickers || []).map((u, i) => h('li', {},
          stickerMedia(u, body.platform === 'telegram' && !!body.animate, t('pack.sticker_n', { n: i + 1 }))))),
      h('div', { class: 'row' },
        h('a', { class: 'button', href: job.result.urls.download, download: `${name.value.trim() || 'pack'}.zip`, id: 'download-result' }, t('pack.download')),
        job.result.urls.wastickers
          ? h('a', { class: 'button ghost', href: job.result.urls.wastickers, download: `${name.value.trim() || 'pack'}.wastickers`, id: 'download-wastickers' }, t('pack.download_wastickers'))
          : null),
      importSteps(body.platform)), packPlaceholder(photos));
  }));
  return h('div', { class: 'editor' }, h('div', {}, h('div', { class: 'card' }, h('p', {}, t('pack.intro')), count, choose, perSticker)),
    h('div', {}, h('div', { class: 'card' },
      field(t('pack.name'), name), field(t('pack.emojis'), emojis, t('pack.emojis_hint')),
      field(t('sticker.platform'), platform, t('pack.platform_hint')),
      captionField(), animateField()), start), out);
}

