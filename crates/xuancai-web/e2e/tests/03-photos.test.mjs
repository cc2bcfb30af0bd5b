// IMG-1: upload by picker and by drag and drop with progress, the grid,
// favourites, albums, the trash (restore, delete forever).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, launch, closeBrowser, newPage, shot, clean, signIn, testdata, DESKTOP, MOBILE } from '../harness.mjs';

let server;
before(async () => { server = await startServer(); await launch(); });
after(async () => { await closeBrowser(); if (server) { await server.stop(); server.cleanup(); } });

async function dropFile(page, name, bytes, mime) {
  await page.evaluate(async ({ name, b64, mime }) => {
    const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bin], name, { type: mime }));
    const zone = document.getElementById('drop-zone');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, { name, b64: bytes.toString('base64'), mime });
}

test('img1_upload_albums_favourites_and_trash_in_the_browser', async () => {
  const page = await newPage(server);
  await signIn(page, server, '13800138101');
  await page.getByRole('heading', { name: '相册' }).waitFor();
  // Picker upload, two files, each with its own progress bar.
  await page.locator('#upload-input').setInputFiles([testdata('chelsea.png'), testdata('coffee.png')]);
  await page.getByText('已上传 2 张照片').waitFor();
  await page.locator('.grid .cell').nth(1).waitFor();
  // Drag and drop.
  await dropFile(page, 'astronaut.png', readFileSync(testdata('astronaut.png')), 'image/png');
  await page.getByText('已上传 1 张照片').waitFor();
  await page.locator('.grid .cell').nth(2).waitFor();
  assert.equal(await page.locator('.grid .cell').count(), 3);
  // A file that is not an image is refused with a clear message; nothing is added.
  await page.locator('#upload-input').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
  await page.locator('li[data-file="notes.png"] .error').waitFor();
  // Issue 22 item 10: errors in the user's language, never the server's
  // English message (an empty file had no text before: "the file is empty").
  assert.equal(await page.locator('li[data-file="notes.png"] .error').textContent(), '不支持这种文件格式');
  await page.locator('#upload-input').setInputFiles({ name: 'empty.png', mimeType: 'image/png', buffer: Buffer.alloc(0) });
  await page.locator('li[data-file="empty.png"] .error').waitFor();
  assert.equal(await page.locator('li[data-file="empty.png"] .error').textContent(), '文件是空的');
  await shot(page, 'img1-library-360');
  // Favourite one and find it under 收藏.
  await page.locator('.grid .cell').first().click();
  await page.getByRole('button', { name: '收藏' }).click();
  await page.getByRole('button', { name: '取消收藏' }).waitFor();
  // Into a new album.
  await page.getByRole('button', { name: '加入影集' }).click();
  await page.getByLabel('或新建影集').fill('夏天');
  await page.getByRole('dialog').getByRole('button', { name: '添加' }).click();
  await page.getByText('已加入影集').waitFor();
  await page.goto(server.base + '/#/photos?filter=favourites');
  await page.locator('.grid .cell').first().waitFor();
  assert.equal(await page.locator('.grid .cell').count(), 1);
  await page.goto(server.base + '/#/albums');
  await page.getByRole('link', { name: /夏天/ }).click();
  await page.getByRole('heading', { name: '夏天' }).waitFor();
  assert.equal(await page.locator('.grid .cell').count(), 1);
  // Trash: move, see it there, restore, trash again, delete forever.
  await page.goto(server.base + '/#/photos');
  await page.locator('.grid .cell').first().click();
  await page.getByRole('button', { name: '移到回收站' }).click();
  await page.getByRole('heading', { name: '相册' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.grid .cell').length === 2);
  await page.getByRole('link', { name: '回收站' }).click();
  await page.locator('.grid .cell').first().click();
  await page.getByRole('button', { name: '恢复' }).click();
  await page.getByRole('button', { name: '移到回收站' }).click();
  await page.getByRole('link', { name: '回收站' }).click();
  await page.locator('.grid .cell').first().click();
  await page.getByRole('button', { name: '永久删除' }).click();
  await page.getByRole('dialog').getByRole('button', { name: '永久删除' }).click();
  await page.getByText('已永久删除').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.grid .cell').length === 0);
  await clean(page);
});

test('img1_the_library_at_desktop_width', async () => {
  const page = await newPage(server, { viewport: DESKTOP });
  await signIn(page, server, '13800138102');
  await page.locator('#upload-input').setInputFiles([testdata('chelsea.png')]);
  await page.getByText('已上传 1 张照片').waitFor();
  await shot(page, 'img1-library-desktop');
  await clean(page);
});

/** `jpeg` with an EXIF `DateTime` (IFD0) of `date` (`2021:07:15 10:00:00`). */
function withExifDate(jpeg, date) {
  const text = Buffer.from(date + '\0', 'latin1');
  const tiff = Buffer.alloc(26 + text.length);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(1, 8);
  tiff.writeUInt16LE(0x0132, 10);
  tiff.writeUInt16LE(2, 12);
  tiff.writeUInt32LE(text.length, 14);
  tiff.writeUInt32LE(26, 18);
  tiff.writeUInt32LE(0, 22);
  text.copy(tiff, 26);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xffe1, 0);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), head, payload, jpeg.subarray(2)]);
}

const api = (page, path) => page.evaluate((p) => fetch(p).then((r) => r.json()), path);

// Issue 22 item 13: photos grouped by the day they were taken; several
// selected at once (checkboxes, shift-click on a desktop, long-press on a
// phone) and acted on together — favourite, add to an album, move to the
// trash — with an undo after the deletion.
test('img1_photos_grouped_by_day_selected_in_bulk_and_a_deletion_undone', async () => {
  const page = await newPage(server, { viewport: DESKTOP });
  await signIn(page, server, '13800138103');
  const old = withExifDate(readFileSync(testdata('faceapi-sample1.jpg')), '2021:07:15 10:00:00');
  const png = (n) => ({ name: n, mimeType: 'image/png', buffer: readFileSync(testdata(n)) });
  await page.locator('#upload-input').setInputFiles([
    png('chelsea.png'), png('coffee.png'), png('astronaut.png'),
    { name: 'summer.jpg', mimeType: 'image/jpeg', buffer: old }]);
  await page.getByText('已上传 4 张照片').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.grid .cell').length === 4);
  // Two days: today's three, then the photo taken in 2021, last.
  const days = page.locator('section.day');
  assert.equal(await days.count(), 2);
  assert.equal(await days.nth(0).locator('.cell').count(), 3);
  assert.equal(await days.nth(1).locator('.cell img').getAttribute('alt'), 'summer.jpg');
  assert.match(await days.nth(1).locator('h2').textContent(), /2021/);
  // A tick selects; shift-click selects the range up to it.
  const cells = page.locator('.grid .cell');
  await cells.nth(0).locator('input.pick').click();
  assert.equal(await page.locator('#selection-count').textContent(), '已选 1 张');
  await cells.nth(2).click({ modifiers: ['Shift'] });
  assert.equal(await page.locator('#selection-count').textContent(), '已选 3 张');
  assert.equal(new URL(page.url()).hash, '#/photos', 'a click while selecting selects, it does not open the photo');
  await shot(page, 'img1-selection-1280');
  await page.getByRole('toolbar').getByRole('button', { name: '收藏' }).click();
  await page.getByText('已收藏 3 张').waitFor();
  const favourites = await api(page, '/api/v1/photos?filter=favourites');
  assert.equal(favourites.items.length, 3);
  // Into a new album, two at once.
  await cells.nth(0).locator('input.pick').click();
  await cells.nth(3).locator('input.pick').click();
  await page.getByRole('toolbar').getByRole('button', { name: '加入影集' }).click();
  await page.getByLabel('或新建影集').fill('批量');
  await page.getByRole('dialog').getByRole('button', { name: '添加' }).click();
  await page.getByText('已将 2 张照片加入影集').waitFor();
  const albums = await api(page, '/api/v1/albums');
  const album = albums.items.find((a) => a.name === '批量');
  assert.equal((await api(page, `/api/v1/albums/${album.id}/photos`)).items.length, 2);
  // To the trash, then undone.
  await cells.nth(1).locator('input.pick').click();
  await cells.nth(2).locator('input.pick').click();
  await page.getByRole('toolbar').getByRole('button', { name: '移到回收站' }).click();
  await page.getByText('已将 2 张照片移到回收站').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.grid .cell').length === 2);
  assert.equal((await api(page, '/api/v1/photos?filter=trash')).items.length, 2);
  await shot(page, 'img1-undo-1280');
  await page.locator('#undo-delete').click();
  await page.waitForFunction(() => document.querySelectorAll('.grid .cell').length === 4);
  assert.equal((await api(page, '/api/v1/photos?filter=trash')).items.length, 0, 'restored');
  // On a phone: a long press starts the selection.
  await page.setViewportSize(MOBILE);
  await page.locator('.grid .cell').first().evaluate((el) => el.dispatchEvent(new PointerEvent('pointerdown', { pointerType: 'touch', bubbles: true })));
  await page.waitForTimeout(700);
  await page.locator('.grid .cell').first().evaluate((el) => el.dispatchEvent(new PointerEvent('pointerup', { pointerType: 'touch', bubbles: true })));
  assert.equal(await page.locator('#selection-count').textContent(), '已选 1 张');
  await shot(page, 'img1-selection-360');
  await clean(page);
});
