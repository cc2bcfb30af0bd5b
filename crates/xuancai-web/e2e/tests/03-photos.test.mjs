// IMG-1: upload by picker and by drag and drop with progress, the grid,
// favourites, albums, the trash (restore, delete forever).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, launch, closeBrowser, newPage, shot, clean, signIn, testdata, DESKTOP } from '../harness.mjs';

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
