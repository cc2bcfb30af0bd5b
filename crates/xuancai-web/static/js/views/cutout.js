// Cutout and background replacement (IMG-2, issue 22 items 1–5): the photo
// is cut out as soon as it is chosen and shown large at the top; the
// subject's cut-out (colours and alpha) is computed once, and every
// background — transparent, white, a colour, the photo blurred, another
// photo — and every touch-up stroke is drawn here on a canvas from it, at
// once. The server renders the full-resolution file from the same cut-out
// (`from`, no model run) only when the user downloads or saves, and nothing
// joins the library unless "保存到相册" is pressed.
import { get } from '../api.js';
import { t } from '../i18n.js';
import { h, field, check, busy, toast } from '../ui.js';
import { pickPhotos } from './photos.js';
import { go } from '../nav.js';
import { photoSlot, runJob, resultName, photoName, resultButtons, compare, faceConsent } from './studio_common.js';

const BACKGROUNDS = ['transparent', 'white', 'color', 'blur', 'photo'];

/** An image element, loaded. */
function loaded(src) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('image ' + src));
    img.src = src;
  });
}

function canvasOf(w, h) {
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  return c;
}

/**
 * The live picture: the cut-out (with the strokes painted on it) over the
 * chosen background, at preview size. `draw()` takes milliseconds.
 */
function livePicture(cutImg, origImg, fullWidth) {
  const W = cutImg.naturalWidth;
  const H = cutImg.naturalHeight;
  const view = canvasOf(W, H);
  view.id = 'live';
  view.setAttribute('role', 'img');
  view.setAttribute('aria-label', t('cutout.after'));
  const cut = canvasOf(W, H);
  const photo = canvasOf(W, H);
  photo.getContext('2d').drawImage(origImg, 0, 0, W, H);
  const strokes = [];
  const reset = () => {
    const c = cut.getContext('2d');
    c.globalCompositeOperation = 'copy';
    c.drawImage(cutImg, 0, 0);
    c.globalCompositeOperation = 'source-over';
  };
  reset();
  // Erase clears the subject; restore paints the photo back, opaque — as
  // `xuancai_imaging::brush` does at full resolution.
  const paint = (s, from) => {
    const c = cut.getContext('2d');
    const px = s.points.map(([x, y]) => [x * W, y * H]);
    c.save();
    c.lineCap = 'round'; c.lineJoin = 'round';
    c.lineWidth = s.width * Math.max(W, H);
    c.globalCompositeOperation = s.mode === 'erase' ? 'destination-out' : 'source-over';
    const ink = s.mode === 'erase' ? '#000' : c.createPattern(photo, 'no-repeat');
    c.strokeStyle = ink; c.fillStyle = ink;
    const start = Math.max(0, from - 1);
    if (px.length === 1) {
      c.beginPath(); c.arc(px[0][0], px[0][1], c.lineWidth / 2, 0, 2 * Math.PI); c.fill();
    } else {
      c.beginPath(); c.moveTo(...px[start]);
      for (const p of px.slice(start + 1)) c.lineTo(...p);
      c.stroke();
    }
    c.restore();
  };
  let background = { kind: 'transparent' };
  const draw = () => {
    const t0 = performance.now();
    const c = view.getContext('2d');
    c.clearRect(0, 0, W, H);
    const b = background;
    if (b.kind === 'white' || b.kind === 'color') {
      c.fillStyle = b.kind === 'white' ? '#ffffff' : b.color;
      c.fillRect(0, 0, W, H);
    } else if (b.kind === 'blur') {
      // The server's radius is in the photo's pixels; CSS blur takes a
      // standard deviation in the canvas's.
      c.filter = `blur(${Math.max(0.5, (b.radius * W) / fullWidth / 2)}px)`;
      c.drawImage(photo, 0, 0);
      c.filter = 'none';
    } else if (b.kind === 'photo' && b.image) {
      // Scaled to cover the frame, centred (as `compose::cover`).
      const s = Math.max(W / b.image.naturalWidth, H / b.image.naturalHeight);
      const w = b.image.naturalWidth * s;
      const hh = b.image.naturalHeight * s;
      c.drawImage(b.image, (W - w) / 2, (H - hh) / 2, w, hh);
    }
    c.drawImage(cut, 0, 0);
    const ms = performance.now() - t0;
    view.dataset.drawMs = ms.toFixed(2);
    view.dataset.background = b.kind;
    return ms;
  };
  return {
    view, strokes, draw,
    setBackground(b) { background = b; return draw(); },
    /** Begin a stroke at a pointer position; returns its `extend`/`end`. */
    stroke(mode, width, point) {
      const s = { mode, width, points: [point] };
      strokes.push(s);
      paint(s, 0); draw();
      return {
        extend(p) { s.points.push(p); paint(s, s.points.length - 1); draw(); },
      };
    },
    undo() { strokes.pop(); reset(); for (const s of strokes) paint(s, 0); draw(); },
  };
}

export async function cutoutPanel(photo) {
  const stage = h('section', { class: 'stage card', id: 'stage', 'aria-live': 'polite', 'aria-label': t('cutout.stage') });
  const src = photoSlot(t('studio.photo'), photo, (id) => {
    history.replaceState(null, '', `#/studio?tab=cutout&photo=${id}`);
    start(id).catch(() => {});
  });
  const model = h('select', {}, ['auto', 'portrait', 'general'].map((m) => h('option', { value: m }, t('cutout.model_' + m))));
  model.addEventListener('change', () => { if (src.get()) start(src.get()).catch(() => {}); });

  // Backgrounds: drawn at once from the cut-out, no job (item 3).
  const bgChoice = h('fieldset', { class: 'card' }, h('legend', {}, t('cutout.background')));
  const color = h('input', { type: 'color', value: '#4a90e2', 'aria-label': t('cutout.bg_color'), style: 'width:60px;padding:2px' });
  const blur = h('input', { type: 'range', min: 2, max: 40, value: 12, 'aria-label': t('cutout.blur_radius') });
  let bgPhoto = null;
  let bgImage = null;
  const pickBg = h('button', { type: 'button', class: 'ghost small' }, t('cutout.bg_pick'));
  pickBg.addEventListener('click', () => busy(pickBg, async () => {
    const ids = await pickPhotos({ multiple: false, title: t('cutout.bg_photo') });
    if (ids && ids[0]) {
      bgPhoto = ids[0];
      bgImage = await loaded(`/api/v1/photos/${bgPhoto}/preview`);
      pickBg.textContent = t('cutout.bg_picked');
      bgChoice.querySelector('input[value=photo]').checked = true;
      redraw();
    }
  }));
  for (const [v, extra] of [['transparent'], ['white'], ['color', color], ['blur', blur], ['photo', pickBg]]) {
    const radio = h('input', { type: 'radio', name: 'bg', value: v, checked: v === 'transparent' });
    radio.addEventListener('change', redraw);
    bgChoice.append(h('label', { class: 'check' }, radio, h('span', {}, t('cutout.bg_' + v))));
    if (extra) bgChoice.append(h('div', { style: 'margin:0 0 6px 32px' }, extra));
  }
  color.addEventListener('input', () => { bgChoice.querySelector('input[value=color]').checked = true; redraw(); });
  blur.addEventListener('input', () => { bgChoice.querySelector('input[value=blur]').checked = true; redraw(); });
  const chosenBg = () => BACKGROUNDS.find((v) => bgChoice.querySelector(`input[value=${v}]`).checked) || 'transparent';

  // Touch-up brushes (item 4): painted on the preview, sent as strokes.
  let tool = '';
  const size = h('input', { type: 'range', min: 1, max: 15, value: 4, 'aria-label': t('cutout.brush_size') });
  const tools = h('div', { class: 'row segmented', role: 'group', 'aria-label': t('cutout.touchup') });
  const toolButton = (name) => {
    const b = h('button', { type: 'button', class: 'ghost small', 'aria-pressed': 'false', dataset: { tool: name } }, t('cutout.tool_' + name));
    b.addEventListener('click', () => {
      tool = tool === name ? '' : name;
      for (const o of tools.querySelectorAll('[data-tool]')) o.setAttribute('aria-pressed', String(o.dataset.tool === tool));
      if (live && tool) shown.set(0);
      if (live) live.view.classList.toggle('painting', !!tool);
    });
    return b;
  };
  const undo = h('button', { type: 'button', class: 'ghost small' }, t('cutout.undo'));
  undo.addEventListener('click', () => { if (live && live.strokes.length) { live.undo(); changed(); } });
  tools.append(toolButton('erase'), toolButton('restore'), undo);

  const crop = h('input', {});
  const shadow = h('input', {});
  crop.addEventListener('change', () => changed());
  shadow.addEventListener('change', () => changed());
  const out = h('div', { id: 'result', 'aria-live': 'polite' });

  let base = null; // the plain cut-out job
  let live = null;
  let shown = null;
  let rendered = null; // { key, job }
  let run = 0;

  function background() {
    const v = chosenBg();
    if (v === 'white') return { kind: v };
    if (v === 'color') return { kind: v, color: color.value };
    if (v === 'blur') return { kind: v, radius: Number(blur.value) };
    if (v === 'photo') return bgImage ? { kind: v, image: bgImage } : { kind: 'transparent' };
    return { kind: 'transparent' };
  }
  function redraw() { if (live) { live.setBackground(background()); changed(); } }
  function changed() { rendered = null; }

  /** What the server renders: the base cut-out's file, or a job from it. */
  function request() {
    const v = chosenBg();
    const body = { kind: 'cutout', photo: base.request.photo, from: base.id, crop: crop.checked, shadow: shadow.checked };
    if (v === 'white') body.background = { color: '#ffffff' };
    if (v === 'color') body.background = { color: color.value };
    if (v === 'blur') body.background = { blur: Number(blur.value) };
    if (v === 'photo' && bgPhoto) body.background = { photo: bgPhoto };
    if (live.strokes.length) body.edit = live.strokes.map((s) => ({ mode: s.mode, width: s.width, points: s.points }));
    return body;
  }

  /** The full-resolution result: rendered by the server on demand. */
  async function ready() {
    if (!base) { toast(t('studio.no_photo'), 'error'); return null; }
    const body = request();
    const plain = !body.background && !body.crop && !body.shadow && !body.edit;
    if (plain) return base;
    const key = JSON.stringify(body);
    if (rendered && rendered.key === key) return rendered.job;
    const job = await runJob(body, out);
    rendered = { key, job };
    return job;
  }

  /**
   * Issue 22 item 4: the subject as the user touched it up, as a sticker.
   * The server renders the edited cut-out (transparent, no shadow) once;
   * the sticker job then uses it instead of cutting the photo again.
   */
  async function cutForSticker() {
    if (!base) return null;
    const body = { kind: 'cutout', photo: base.request.photo, from: base.id };
    if (live.strokes.length) body.edit = live.strokes.map((s) => ({ mode: s.mode, width: s.width, points: s.points }));
    if (!body.edit) return base;
    const key = JSON.stringify(body);
    if (rendered && rendered.key === key) return rendered.job;
    const job = await runJob(body, out);
    rendered = { key, job };
    return job;
  }

  let source = '';
  const actions = resultButtons({ ready, name: (job) => resultName(source, 'cutout', job.result.format) });
  const asSticker = h('button', { type: 'button', class: 'ghost', id: 'cut-to-sticker' }, t('cutout.to_sticker'));
  asSticker.addEventListener('click', () => busy(asSticker, async () => {
    const job = await cutForSticker();
    if (job) go(`/studio?tab=sticker&photo=${encodeURIComponent(job.request.photo)}&cutout=${encodeURIComponent(job.id)}`);
  }));
  actions.append(asSticker);
  actions.hidden = true;

  async function start(id) {
    const mine = ++run;
    base = null; live = null; rendered = null;
    actions.hidden = true;
    const t0 = performance.now();
    // CON-3: person cutout is portrait processing; `auto` without the
    // consent runs the general model, `portrait` asks for the consent.
    if (model.value === 'portrait' && !(await faceConsent())) { toast(t('faces.declined')); return; }
    const before = `/api/v1/photos/${id}/preview`;
    const waiting = h('div', { class: 'stage-wait' }, h('img', { src: before, alt: t('cutout.before') }));
    const progress = h('div', {});
    stage.replaceChildren(waiting, progress);
    stage.scrollIntoView({ block: 'start' });
    const body = { kind: 'cutout', photo: id, model: model.value };
    let job;
    try {
      job = await runJob(body, progress);
    } catch (e) {
      return;
    }
    if (mine !== run) return;
    const [cutImg, origImg, meta, name] = await Promise.all([
      loaded(job.result.urls.preview), loaded(before), get(`/api/v1/photos/${id}`), photoName(id)]);
    if (mine !== run) return;
    source = name;
    base = job;
    live = livePicture(cutImg, origImg, meta.width || cutImg.naturalWidth);
    shown = compare(before, live.view, () => !!tool);
    paintOn(live.view);
    live.setBackground(background());
    stage.replaceChildren(shown.el);
    stage.dataset.cutMs = (performance.now() - t0).toFixed(0);
    stage.dataset.job = job.id;
    actions.hidden = false;
  }

  function paintOn(canvas) {
    let current = null;
    const at = (e) => {
      const r = canvas.getBoundingClientRect();
      return [Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)), Math.min(1, Math.max(0, (e.clientY - r.top) / r.height))];
    };
    canvas.addEventListener('pointerdown', (e) => {
      if (!tool || !live) return;
      canvas.setPointerCapture(e.pointerId);
      current = live.stroke(tool, Number(size.value) / 100, at(e));
      changed();
      e.preventDefault();
      e.stopPropagation();
    });
    canvas.addEventListener('pointermove', (e) => { if (current && canvas.hasPointerCapture(e.pointerId)) current.extend(at(e)); });
    const end = () => { current = null; };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  const chooseHere = h('button', { type: 'button' }, t('cutout.choose_here'));
  chooseHere.addEventListener('click', () => src.choose.click());
  stage.append(h('p', { class: 'hint' }, t('cutout.choose_first')), chooseHere);
  if (photo) start(photo).catch(() => {});
  const touchup = h('div', { class: 'card stack' }, h('h3', {}, t('cutout.touchup')), h('p', { class: 'hint' }, t('cutout.touchup_hint')), tools, field(t('cutout.brush_size'), size));
  return h('div', { class: 'editor cutout' },
    h('div', {}, stage, actions, out),
    h('div', {}, src.box, bgChoice, touchup,
      h('div', { class: 'card' }, check(t('cutout.crop'), crop), check(t('cutout.shadow'), shadow), h('p', { class: 'hint' }, t('cutout.final_hint')), field(t('cutout.model'), model))));
}
