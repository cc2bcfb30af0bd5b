// The editor: cutout with a background and before/after (IMG-2); face swap
// behind the separate face consent and the subjects' affirmation (IMG-3,
// CON-3); a sticker with a caption for a platform, downloaded (IMG-4); a pack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, closeBrowser, newPage, shot, clean, signIn, testdata, MOBILE, DESKTOP, SHOTS } from '../harness.mjs';

let server;
let page;
before(async () => {
  server = await startServer();
  await launch();
  page = await newPage(server);
  await signIn(page, server, '13800138201');
  await page.locator('#upload-input').setInputFiles(
    ['faceapi-sample1.jpg', 'faceapi-sample2.jpg', 'astronaut.png', 'chelsea.png'].map(testdata));
  await page.getByText('已上传 4 张照片').waitFor();
});
after(async () => { await closeBrowser(); if (server) { await server.stop(); server.cleanup(); } });

/** Choose the n-th photo of the library (or the one of that file name) in the picker dialog. */
async function pick(button, n) {
  await button.click();
  const dlg = page.getByRole('dialog');
  if (typeof n === 'string') await dlg.locator('.cell', { has: page.getByAltText(n, { exact: true }) }).first().click();
  else await dlg.locator('.cell').nth(n).click();
  await dlg.getByRole('button', { name: '选好了' }).click();
}

/** Click `trigger`; the downloaded file's bytes and suggested name. */
async function downloaded(trigger) {
  const [download] = await Promise.all([page.waitForEvent('download'), trigger.click()]);
  return { bytes: readFileSync(await download.path()), name: download.suggestedFilename() };
}

/** The format the bytes really are, as a file extension. */
function realExtension(bytes) {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpg';
  if (bytes.subarray(1, 4).toString() === 'PNG') return 'png';
  if (bytes.subarray(8, 12).toString() === 'WEBP') return 'webp';
  if (bytes.subarray(0, 3).toString() === 'GIF') return 'gif';
  return 'unknown';
}

/**
 * Issue 22 item 5: a result downloads under the source photo's name, what
 * was made, and the extension of the format it really is. The source is the
 * photo of the newest job of `kind`, as the server recorded it.
 */
async function assertNamed({ bytes, name }, kind, what) {
  const source = await page.evaluate(async (k) => {
    const jobs = await fetch('/api/v1/jobs').then((r) => r.json());
    const job = jobs.items.filter((j) => j.kind === k).sort((a, b) => b.created_at - a.created_at)[0];
    const photo = await fetch(`/api/v1/photos/${job.request.photo}`).then((r) => r.json());
    return photo.file_name;
  }, kind);
  const stem = source.replace(/\.[^.]*$/, '');
  const ext = realExtension(bytes);
  assert.notEqual(ext, 'unknown', name);
  assert.equal(name, `${stem}-${what}.${ext}`, `the source photo's name (${source}), what was made, the real format`);
}

/** The user's library and jobs, as the server has them. */
const library = () => page.evaluate(() => fetch('/api/v1/photos?filter=library&limit=100').then((r) => r.json()).then((v) => v.items));
const jobsOf = (kind) => page.evaluate((k) => fetch('/api/v1/jobs').then((r) => r.json()).then((v) => v.items.filter((j) => j.kind === k)), kind);

/** The live picture's pixel at fractions of its size: [r, g, b, a]. */
const livePixel = (fx, fy) => page.locator('#live').evaluate((c, [x, y]) =>
  [...c.getContext('2d').getImageData(Math.floor(x * c.width), Math.floor(y * c.height), 1, 1).data], [fx, fy]);

// Issue 22 items 1, 3, 5: choosing a photo cuts it out at once, shown large
// at the top; backgrounds are drawn in the browser from that one cut-out
// (no job per switch); the full-resolution file is rendered by the server
// only on download, from the same cut-out; nothing joins the library until
// "保存到相册".
test('img2_a_chosen_photo_is_cut_out_at_once_backgrounds_switch_without_a_job_and_nothing_lands_in_the_library_unasked', async () => {
  await page.goto(server.base + '/#/studio?tab=cutout');
  await page.locator('#stage').waitFor();
  const before = (await library()).length;
  await pick(page.getByRole('button', { name: '选择照片' }), 1);
  await page.locator('#stage[data-cut-ms] #live').waitFor({ timeout: 120_000 });
  const top = await page.locator('#stage').boundingBox();
  const form = await page.getByRole('group', { name: '照片' }).boundingBox();
  assert.ok(top.y < form.y, 'the result sits above the form');
  assert.equal((await jobsOf('cutout')).length, 1, 'cut out once, with no button pressed');
  await shot(page, 'img2-cutout-at-once-360');
  await page.getByLabel('白色').check();
  assert.deepEqual((await livePixel(0.01, 0.01)).slice(0, 3), [255, 255, 255], 'white drawn behind the subject');
  await page.getByLabel('虚化原背景').check();
  assert.equal(await page.locator('#live').getAttribute('data-background'), 'blur');
  await page.getByLabel('白色').check();
  assert.equal((await jobsOf('cutout')).length, 1, 'switching backgrounds runs no job');
  // The slider still moves the cut from the keyboard.
  const slider = page.getByLabel('拖动对比原图和效果');
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.locator('#compare').evaluate((el) => el.style.getPropertyValue('--cut')), '51%');
  // Download: the server renders the white background at full resolution
  // from the stored cut-out — a JPEG, named after the photo.
  const file = await downloaded(page.locator('#download-result'));
  const cutouts = await jobsOf('cutout');
  assert.equal(cutouts.length, 2, 'one render, on download');
  const render = cutouts.sort((a, b) => b.created_at - a.created_at)[0];
  assert.ok(render.request.from && render.request.background, JSON.stringify(render.request));
  assert.equal(render.result.model, undefined, 'the model did not run again');
  await assertNamed(file, 'cutout', 'cutout');
  assert.equal(realExtension(file.bytes), 'jpg');
  assert.equal((await library()).length, before, 'nothing in the library yet');
  // Saved when asked: one photo, the downloaded file.
  await page.locator('#save-result').click();
  await page.locator('#saved-photo').waitFor();
  const after = await library();
  assert.equal(after.length, before + 1);
  assert.match(after[0].file_name, /-cutout\.jpg$/);
  assert.equal((await jobsOf('cutout')).length, 2, 'saving reused the render');
  await shot(page, 'img2-cutout-saved-360');
  await clean(page);
});

test('img3_con3_face_swap_asks_the_face_consent_at_the_moment_of_use_and_needs_the_affirmation', async () => {
  await page.goto(server.base + '/#/studio?tab=faceswap');
  await page.getByRole('button', { name: '开始换脸' }).waitFor();
  const [source, target] = await page.getByRole('button', { name: '选择照片' }).all();
  await pick(source, 3);
  await pick(target, 2);
  // Without the affirmation nothing starts.
  await page.getByRole('button', { name: '开始换脸' }).click();
  await page.getByText('请先确认照片中的人已同意').waitFor();
  await page.getByLabel('我确认照片中每一位被编辑人脸的人都已同意本次编辑。').check();
  // The separate consent, explained; declining starts nothing.
  await page.getByRole('button', { name: '开始换脸' }).click();
  const consent = page.getByRole('dialog', { name: '使用人脸信息需要您的单独同意' });
  await consent.waitFor();
  await shot(page, 'con3-face-consent-360');
  await consent.getByRole('button', { name: '不同意' }).click();
  await page.getByText('未获得人脸信息同意，换脸未开始').waitFor();
  const jobs = await page.evaluate(() => fetch('/api/v1/jobs').then((r) => r.json()));
  assert.equal(jobs.items.filter((j) => j.kind === 'face_swap').length, 0);
  // Agree: the swap runs and its result is labelled.
  await page.getByRole('button', { name: '开始换脸' }).click();
  await page.getByRole('dialog', { name: '使用人脸信息需要您的单独同意' }).getByRole('button', { name: '同意使用人脸信息' }).click();
  await page.getByRole('img', { name: '换脸结果' }).waitFor({ timeout: 120_000 });
  await page.getByText('这张图片已添加“AI生成”显式标识和隐式标识。').waitFor();
  await shot(page, 'img3-face-swap-result-360');
  const consents = await page.evaluate(() => fetch('/api/v1/me/consents').then((r) => r.json()));
  assert.equal(consents.purposes.find((p) => p.purpose === 'faces').granted, true);
  await clean(page);
});

test('img3_con3_the_faces_of_a_photo_are_marked_in_the_servers_numbering_and_the_tapped_one_is_swapped', async () => {
  // The face consent was given in the test before (CON-3): faces are found at once.
  await page.goto(server.base + '/#/studio?tab=cutout');
  await page.goto(server.base + '/#/studio?tab=faceswap');
  await page.getByRole('button', { name: '开始换脸' }).waitFor();
  const [source, target] = await page.getByRole('button', { name: '选择照片' }).all();
  // The same two photos as the swap before (its result is the job's, not
  // the library's: issue 22 item 5).
  await pick(source, 3);
  await pick(target, 2);
  // The source has several faces: each marked, numbered as the server
  // numbers them (the same faces, in the same order, as its faces endpoint).
  const sourceCard = page.getByRole('group', { name: '提供人脸的照片' });
  const sourceFaces = sourceCard.getByRole('button', { name: /^人脸 \d+$/ });
  await sourceFaces.first().waitFor();
  const n = await sourceFaces.count();
  const src = await sourceCard.locator('img').first().getAttribute('src');
  const found = await page.evaluate((id) => fetch(`/api/v1/photos/${id}/faces`).then((r) => r.json()), src.split('/')[4]);
  assert.ok(n >= 2, `the source photo shows ${n} faces`);
  assert.equal(n, found.faces.length);
  const last = sourceFaces.nth(n - 1);
  assert.equal(await last.getAttribute('aria-label'), `人脸 ${n}`);
  await last.click();
  assert.equal(await last.getAttribute('aria-pressed'), 'true');
  assert.equal(await sourceFaces.first().getAttribute('aria-pressed'), 'false');
  const targetFace = page.getByRole('group', { name: '要替换人脸的照片' }).getByRole('button', { name: '人脸 1' });
  await targetFace.click();
  await shot(page, 'img3-face-picker-360');
  await page.setViewportSize({ width: 1280, height: 860 });
  await shot(page, 'img3-face-picker-1280');
  await page.setViewportSize({ width: 360, height: 740 });
  await page.getByLabel('我确认照片中每一位被编辑人脸的人都已同意本次编辑。').check();
  await page.getByRole('button', { name: '开始换脸' }).click();
  await page.getByRole('img', { name: '换脸结果' }).waitFor({ timeout: 120_000 });
  // The job used the tapped faces, by the server's numbers.
  const jobs = await page.evaluate(() => fetch('/api/v1/jobs').then((r) => r.json()));
  const swap = jobs.items.find((j) => j.kind === 'face_swap');
  assert.equal(swap.request.source_face, n - 1, 'the tapped source face, by the server\'s number');
  assert.equal(swap.request.target_face, 0);
  assert.deepEqual(swap.result.faces, [0]);
  await clean(page);
});

test('img4_a_captioned_whatsapp_sticker_is_made_and_downloads_as_webp', async () => {
  await page.goto(server.base + '/#/studio?tab=sticker');
  await page.getByRole('button', { name: '制作贴纸' }).waitFor();
  await pick(page.getByRole('button', { name: '选择照片' }), 1);
  await page.getByLabel('模板').selectOption('sticker');
  await page.getByLabel('配字').fill('早上好');
  await page.getByLabel('平台预设').selectOption('whatsapp');
  await page.getByRole('button', { name: '制作贴纸' }).click();
  await page.getByRole('img', { name: '贴纸' }).waitFor({ timeout: 120_000 });
  await shot(page, 'img4-sticker-360');
  const file = await downloaded(page.locator('#download-result'));
  const bytes = file.bytes;
  await assertNamed(file, 'sticker', 'sticker-whatsapp');
  assert.equal(bytes.subarray(0, 4).toString(), 'RIFF');
  assert.equal(bytes.subarray(8, 12).toString(), 'WEBP');
  assert.ok(bytes.length <= 100 * 1024, 'WhatsApp: at most 100 KiB');
  await clean(page);
});

// Issue 22 items 8 and 9a: checked before running. A moving sticker for
// Telegram or Signal says what it becomes (WebM video, APNG); a caption with
// an emoji the font cannot draw is refused at once, and no job runs. A moving
// Telegram sticker is made as VP9 video that plays in the page with its
// transparency, and is offered for download only.
test('img4_moving_stickers_say_what_they_become_and_a_telegram_one_plays_with_its_alpha', async () => {
  const stickerJobs = () => page.evaluate(() => fetch('/api/v1/jobs').then((r) => r.json())
    .then((v) => v.items.filter((j) => j.kind === 'sticker').length));
  for (const [size, viewport] of [['360', MOBILE], ['1280', DESKTOP]]) {
    await page.setViewportSize(viewport);
    // A fresh view (the same hash twice would keep the old one).
    await page.goto(server.base + '/#/studio?tab=cutout');
    await page.locator('#stage').waitFor();
    await page.goto(server.base + '/#/studio?tab=sticker');
    await page.getByRole('button', { name: '制作贴纸' }).waitFor();
    await pick(page.getByRole('button', { name: '选择照片' }), 1);
    const animate = page.getByLabel('动画效果');
    const note = page.locator('#animate-note');
    await page.getByLabel('平台预设').selectOption('telegram');
    assert.ok(await note.isHidden(), `${size}: a still needs no note`);
    await animate.selectOption('shake');
    assert.equal(await animate.inputValue(), 'shake', `${size}: Telegram animates`);
    assert.ok(!(await animate.isDisabled()), size);
    assert.ok(await note.isVisible(), size);
    assert.match(await note.textContent(), /WebM 视频（VP9/);
    await page.getByLabel('平台预设').selectOption('signal');
    assert.match(await note.textContent(), /APNG/);
    await page.getByLabel('平台预设').selectOption('whatsapp');
    assert.ok(await note.isHidden(), `${size}: WhatsApp's moving stickers need no note`);
    const jobs = await stickerJobs();
    await page.getByLabel('配字').fill('早上好😀');
    await page.getByRole('button', { name: '制作贴纸' }).click();
    assert.ok(await page.locator('#caption-error').isVisible(), size);
    assert.equal(await page.locator('#caption-error').textContent(), '配字里有表情符号 😀，贴纸字体画不出彩色表情，请删去后再试。');
    assert.equal(await stickerJobs(), jobs, 'no job was queued');
    await page.getByLabel('配字').fill('早上好');
    assert.ok(await page.locator('#caption-error').isHidden(), 'the error goes with the emoji');
    await page.getByLabel('平台预设').selectOption('telegram');
    await shot(page, `img4-sticker-checks-${size}`);
    // Issue 22 item 9a: made as video, played in the page with its alpha.
    await page.getByRole('button', { name: '制作贴纸' }).click();
    const video = page.locator('#result video');
    await video.waitFor({ timeout: 120_000 });
    const seen = await video.evaluate(async (v) => {
      if (v.readyState < 2) await new Promise((ok, fail) => { v.onloadeddata = ok; v.onerror = () => fail(new Error('video error')); });
      const c = document.createElement('canvas');
      c.width = v.videoWidth; c.height = v.videoHeight;
      const g = c.getContext('2d');
      g.drawImage(v, 0, 0);
      const px = (x, y) => g.getImageData(x, y, 1, 1).data[3];
      let solid = 0;
      const all = g.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < all.length; i += 4) if (all[i] > 247) solid += 1;
      const type = await fetch(v.src).then((r) => r.headers.get('content-type'));
      return { w: v.videoWidth, h: v.videoHeight, corner: px(0, 0), solid, total: c.width * c.height, type, paused: v.paused };
    });
    assert.equal(seen.type, 'video/webm', size);
    assert.deepEqual([seen.w, seen.h], [512, 512], size);
    assert.ok(seen.corner < 8, `${size}: the corner is transparent in the browser (alpha ${seen.corner})`);
    assert.ok(seen.solid > seen.total / 10, `${size}: the subject is solid (${seen.solid} px)`);
    assert.ok(!seen.paused, `${size}: it plays`);
    assert.ok(await page.locator('#video-note').isVisible(), size);
    assert.equal(await page.locator('#save-result').count(), 0, `${size}: no save to the library for a video`);
    await shot(page, `img4-telegram-video-${size}`);
    const file = await downloaded(page.locator('#download-result'));
    assert.equal(file.bytes.subarray(0, 4).toString('hex'), '1a45dfa3', `${size}: a WebM file`);
    assert.match(file.name, /-sticker-telegram\.webm$/, size);
    assert.ok(file.bytes.length <= 256 * 1024, `${size}: at most 256 KiB`);
  }
  await page.setViewportSize(MOBILE);
  await clean(page);
});

test('img4_a_pack_of_three_stickers_downloads_as_a_zip', async () => {
  await page.goto(server.base + '/#/studio?tab=pack');
  await page.getByRole('button', { name: '制作表情包' }).waitFor();
  await page.getByRole('button', { name: '选择照片' }).click();
  const dlg = page.getByRole('dialog');
  for (const n of [0, 1, 2]) await dlg.locator('.cell').nth(n).click();
  await dlg.getByRole('button', { name: '选好了' }).click();
  await page.getByText('已选 3 张').waitFor();
  // Issue 22 item 9: the second sticker gets its own caption and emoji.
  await page.getByLabel('第 2 张的配字').fill('早安');
  await page.getByLabel('第 2 张的表情符号').fill('🌞');
  // Issue 22 item 6: the bar moves with each sticker (it stood at 0 %, then
  // jumped) and the status says how far, in view on the phone.
  await page.evaluate(() => {
    window.seenProgress = [];
    window.progressWatch = setInterval(() => {
      const bar = document.querySelector('#result progress');
      const status = document.querySelector('#result [role=status]');
      if (!bar) return;
      const r = status.getBoundingClientRect();
      const ph = [...document.querySelectorAll('#pack-placeholder li')].map((li) => li.className).join(',');
      const seen = { value: bar.value, max: bar.max, text: status.textContent, inView: r.top >= 0 && r.bottom <= innerHeight, ph };
      const last = window.seenProgress[window.seenProgress.length - 1];
      if (!last || last.value !== seen.value) window.seenProgress.push(seen);
    }, 40);
  });
  await page.getByRole('button', { name: '制作表情包' }).click();
  // A picture of the placeholder while a sticker is made (if the page
  // hears of one before the pack is done).
  await page.locator('#pack-placeholder li.making').waitFor({ timeout: 60_000 })
    .then(() => shot(page, 'img4-pack-making-360')).catch(() => {});
  const link = page.getByRole('link', { name: '下载表情包（ZIP）' });
  await link.waitFor({ timeout: 180_000 });
  const seen = await page.evaluate(() => { clearInterval(window.progressWatch); return window.seenProgress; });
  // The bar is in percent, as the job's progress is (its maximum was 1, so
  // any progress showed it full); a running step says how far; the status
  // is on screen. That the worker writes each step at once is the server
  // test `img4_a_packs_progress_moves_with_each_sticker` (the page hears of
  // changes every half second, and three small stickers can take less).
  assert.ok(seen.length >= 1 && seen.every((s) => s.max === 100 && s.inView), JSON.stringify(seen));
  const steps = seen.filter((s) => s.value > 5 && s.value < 100);
  // Issue 22 item 6: the step by name — which sticker of the three, then
  // the ZIP — not a bare "处理中".
  assert.ok(steps.every((s) => /^(读取照片|正在制作第 [1-3]\/3 张|正在打包) \d+%$/.test(s.text)), JSON.stringify(steps));
  // The chosen photos stand in for the stickers while they are made.
  assert.ok(seen.every((s) => s.ph.split(',').length === 3), JSON.stringify(seen));
  if (steps.length >= 2) assert.ok(steps.some((s) => /正在制作第 [1-3]\/3 张/.test(s.text)), JSON.stringify(steps));
  const packJob = (await jobsOf('pack')).sort((a, b) => b.created_at - a.created_at)[0];
  assert.deepEqual(packJob.request.stickers, [{}, { caption: '早安', emojis: ['🌞'] }], JSON.stringify(packJob.request));
  // Issue 22 item 9: every sticker to see before the download, and for
  // WhatsApp the .wastickers file too.
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll('#pack-grid img')];
    return imgs.length === 3 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  });
  const was = await downloaded(page.locator('#download-wastickers'));
  assert.equal(was.bytes.subarray(0, 2).toString(), 'PK', 'a ZIP');
  assert.match(was.name, /\.wastickers$/);
  await page.locator('#pack-grid').evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await shot(page, 'img4-pack-grid-360');
  await page.setViewportSize(DESKTOP);
  await shot(page, 'img4-pack-grid-1280');
  await page.setViewportSize(MOBILE);
  // Issue 22 item 9 (part): how to import it, beside the download.
  const howTo = page.getByRole('region', { name: '怎样导入到 WhatsApp' });
  await howTo.waitFor();
  const items = await howTo.locator('li').allTextContents();
  assert.equal(items.length, 4, JSON.stringify(items));
  assert.match(items[0], /contents\.json/);
  assert.match(items[2], /添加到 WhatsApp/);
  await howTo.scrollIntoViewIfNeeded();
  await shot(page, 'img4-pack-import-360');
  await page.setViewportSize(DESKTOP);
  await shot(page, 'img4-pack-import-1280');
  await page.setViewportSize(MOBILE);
  const { bytes, name } = await downloaded(link);
  assert.equal(bytes.subarray(0, 2).toString(), 'PK');
  assert.match(name, /\.zip$/);
  await clean(page);
});

/** Drag the before/after handle to `share` (0..1) of the image's width; the cut it shows. */
async function dragCompare(share) {
  // In the middle of the screen: not under the header or the phone's tab bar.
  await page.locator('#compare').evaluate((el) => el.scrollIntoView({ block: 'center' }));
  const box = await page.locator('#compare').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * share, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  return page.locator('#compare').evaluate((el) => el.style.getPropertyValue('--cut'));
}

// Issue 22 items 1–4 and the timings: on the astronaut with the portrait
// model (the face consent was given above), the time from choosing the photo
// to seeing its cut-out, and from choosing a background to seeing it drawn;
// before/after on a checkerboard with the handle on the image (item 2);
// touch-up strokes painted on the preview and applied by the server at full
// resolution (item 4).
test('img2_the_astronaut_is_cut_out_in_under_2_s_backgrounds_switch_in_under_100_ms_and_touch_ups_reach_the_full_resolution_file', async () => {
  // A fresh view (the same hash twice would keep the old one).
  await page.goto(server.base + '/#/studio?tab=sticker');
  await page.getByRole('button', { name: '制作贴纸' }).waitFor();
  await page.goto(server.base + '/#/studio?tab=cutout');
  await page.locator('#stage').waitFor();
  await page.getByLabel('识别模式').selectOption('portrait');
  await pick(page.getByRole('button', { name: '选择照片' }), 'astronaut.png');
  await page.locator('#stage[data-cut-ms] #live').waitFor({ timeout: 120_000 });
  const cutMs = Number(await page.locator('#stage').getAttribute('data-cut-ms'));
  const cutouts0 = (await jobsOf('cutout')).length - 1;
  const base = (await jobsOf('cutout')).sort((a, b) => b.created_at - a.created_at)[0];
  assert.equal(base.result.model, 'portrait', JSON.stringify(base.result));
  // Transparent where the background was, on a checkerboard.
  const clearShare = await page.locator('#live').evaluate((c) => {
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let clear = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] < 128) clear += 1;
    return clear / (px.length / 4);
  });
  assert.ok(clearShare > 0.05, `a transparent cut-out (${clearShare})`);
  assert.match(await page.locator('#compare .after').evaluate((el) => getComputedStyle(el).backgroundImage), /conic-gradient/);
  for (const [size, viewport] of [['360', MOBILE], ['1280', DESKTOP]]) {
    await page.setViewportSize(viewport);
    assert.equal(await dragCompare(0.25), '25%', size);
    assert.equal(await page.getByLabel('拖动对比原图和效果').inputValue(), '25', 'the slider follows the handle');
    await shot(page, `img2-before-after-checkerboard-${size}`);
    assert.equal(await dragCompare(0.8), '80%', size);
  }
  await page.setViewportSize(MOBILE);
  // Each switch: from the click to the frame that shows it.
  const switchMs = {};
  for (const [name, label] of [['white', '白色'], ['color', '纯色'], ['blur', '虚化原背景'], ['transparent', '透明']]) {
    const radio = page.getByRole('radio', { name: label, exact: true });
    switchMs[name] = await radio.evaluate((el) => new Promise((resolve) => {
      const t0 = performance.now();
      el.click();
      requestAnimationFrame(() => resolve(performance.now() - t0));
    }));
    assert.equal(await page.locator('#live').getAttribute('data-background'), name);
  }
  assert.equal((await jobsOf('cutout')).length, cutouts0 + 1, 'no job per switch');
  // Touch-up: erase across the face; the preview shows it at once.
  assert.ok((await livePixel(0.5, 0.39))[3] > 200, 'the face is kept by the model');
  await page.getByRole('button', { name: '擦除' }).click();
  await page.locator('#live').evaluate((el) => el.scrollIntoView({ block: 'center' }));
  const box = await page.locator('#live').boundingBox();
  await page.mouse.move(box.x + box.width * 0.42, box.y + box.height * 0.39);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.58, box.y + box.height * 0.39, { steps: 8 });
  await page.mouse.up();
  assert.equal((await livePixel(0.5, 0.39))[3], 0, 'erased on the preview');
  await shot(page, 'img2-touch-up-360');
  const file = await downloaded(page.locator('#download-result'));
  assert.equal(realExtension(file.bytes), 'png');
  const render = (await jobsOf('cutout')).sort((a, b) => b.created_at - a.created_at)[0];
  assert.equal(render.request.edit.length, 1, JSON.stringify(render.request));
  assert.equal(render.request.edit[0].mode, 'erase');
  // The full-resolution file has the stroke where the preview had it.
  const alphaAt = (url) => page.evaluate(async ([u, x, y]) => {
    const img = new Image();
    img.src = u;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    return g.getImageData(Math.floor(x * c.width), Math.floor(y * c.height), 1, 1).data[3];
  }, [url, 0.5, 0.39]);
  assert.ok((await alphaAt(base.result.urls.original)) > 200, 'before the touch-up');
  assert.equal(await alphaAt(render.result.urls.original), 0, 'erased at full resolution');
  // The figures for docs/BENCHMARKS.md, printed and kept with the screenshots.
  const timings = { photo: 'astronaut.png', model: 'portrait', choose_to_cutout_ms: cutMs, background_switch_ms: switchMs };
  console.log('cutout timings', JSON.stringify(timings));
  writeFileSync(join(SHOTS, 'cutout-timings.json'), JSON.stringify(timings, null, 2));
  assert.ok(cutMs < 2000, `choose to cut-out ${cutMs} ms`);
  for (const [name, ms] of Object.entries(switchMs)) assert.ok(ms < 100, `${name}: ${ms} ms`);
  await clean(page);
});

// Issue 22 item 4: the touch-up feeds the sticker made from that photo —
// 做成贴纸 takes the touched-up cut-out to the sticker tool, and the
// sticker job uses it instead of cutting the photo again.
test('img4_a_touched_up_cut_out_becomes_a_sticker_without_cutting_again', async () => {
  for (const [size, viewport] of [['360', MOBILE], ['1280', DESKTOP]]) {
    await page.setViewportSize(viewport);
    // Each round starts elsewhere (the library, then the sticker tool), so
    // the cutout tool opens fresh.
    await page.goto(server.base + '/#/studio?tab=cutout');
    await page.locator('#stage').waitFor();
    await pick(page.getByRole('button', { name: '选择照片' }), 'astronaut.png');
    await page.locator('#stage[data-cut-ms] #live').waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: '擦除' }).click();
    await page.locator('#live').evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const box = await page.locator('#live').boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.05);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.95, { steps: 10 });
    await page.mouse.up();
    await page.locator('#cut-to-sticker').click();
    await page.locator('#sticker-from-cut').waitFor({ timeout: 120_000 });
    const cut = (await jobsOf('cutout')).sort((a, b) => b.created_at - a.created_at)[0];
    assert.equal(cut.request.edit.length, 1, `${size}: the touched-up cut-out was rendered`);
    assert.ok(new URL(page.url().replace('#', '')).searchParams.get('cutout') === cut.id, `${size}: it goes to the sticker tool`);
    await shot(page, `img4-sticker-from-cut-${size}`);
    await page.getByRole('button', { name: '制作贴纸' }).click();
    await page.getByRole('img', { name: '贴纸' }).waitFor({ timeout: 120_000 });
    const made = (await jobsOf('sticker')).sort((a, b) => b.created_at - a.created_at)[0];
    assert.equal(made.request.cutout, cut.id, `${size}: the sticker job uses that cut-out`);
    assert.equal(made.result.model ?? null, null, `${size}: no model ran`);
  }
  await page.setViewportSize(MOBILE);
  await clean(page);
});

// Issue 22 item 5: results stay with their jobs until the user deletes
// them, from the studio's history (我的 → 创作记录).
test('img2_the_studio_history_lists_every_job_and_deletes_one_with_its_result', async () => {
  await page.goto(server.base + '/#/me');
  await page.getByRole('link', { name: '创作记录' }).click();
  await page.locator('#history li').first().waitFor();
  const jobs = (await page.evaluate(() => fetch('/api/v1/jobs?limit=200').then((r) => r.json()))).items;
  assert.equal(await page.locator('#history li').count(), jobs.length);
  await shot(page, 'history-360');
  await page.setViewportSize(DESKTOP);
  await shot(page, 'history-1280');
  await page.setViewportSize(MOBILE);
  const cut = jobs.find((j) => j.kind === 'cutout' && j.state === 'done');
  const item = page.locator(`#history li[data-job="${cut.id}"]`);
  await item.getByRole('button', { name: '删除记录' }).click();
  await page.getByRole('dialog').getByRole('button', { name: '删除记录' }).click();
  await page.getByText('已删除').waitFor();
  assert.equal(await item.count(), 0);
  const status = (u) => page.evaluate((x) => fetch(x, { cache: 'no-store' }).then((r) => r.status), u);
  assert.equal(await status(`/api/v1/jobs/${cut.id}`), 404, 'the job is gone');
  assert.equal(await status(cut.result.urls.original), 404, 'and its result');
  await clean(page);
});
