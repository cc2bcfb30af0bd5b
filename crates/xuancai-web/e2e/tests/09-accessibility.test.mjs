// Accessibility and layout: axe-core finds no serious or critical problem
// on the main screens, at 360 px and on a desktop; nothing overflows 360 px
// sideways; the skip link and the tab bar work from the keyboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launch, closeBrowser, newPage, clean, signIn, testdata, MOBILE, DESKTOP } from '../harness.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let server;
before(async () => { server = await startServer(); await launch(); });
after(async () => { await closeBrowser(); if (server) { await server.stop(); server.cleanup(); } });

async function audit(page, where) {
  await page.evaluate(axeSource); // the test's own script; the CSP is bypassed for this context only
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${where}: ${v.id} (${v.nodes.length}) ${v.nodes[0]?.target}`), []);
}

for (const [label, viewport] of [['360', MOBILE], ['desktop', DESKTOP]]) {
  test(`screens_pass_axe_and_fit_at_${label}`, async () => {
    const page = await newPage(server, { viewport, bypassCSP: true });
    await page.goto(server.base + '/');
    await page.getByRole('dialog').waitFor();
    await audit(page, 'agreement dialog');
    await page.getByRole('dialog').getByRole('button', { name: '同意', exact: true }).click();
    await audit(page, 'login');
    await signIn(page, server, label === '360' ? '13800138701' : '13800138702');
    await page.locator('#upload-input').setInputFiles([testdata('chelsea.png')]);
    await page.getByText('已上传 1 张照片').waitFor();
    for (const [hash, heading] of [
      ['/photos', '相册'], ['/albums', '影集'], ['/studio?tab=cutout', '创作'], ['/studio?tab=faceswap', '创作'], ['/studio?tab=sticker', '创作'],
      ['/feed', '作品广场'], ['/blessings', '收到的祝福'], ['/inbox', '消息通知'], ['/privacy', '隐私中心'], ['/me', '我的'], ['/contact', '联系我们'], ['/guardian-page', '监护人专区'], ['/me', '我的'],
    ]) {
      await page.goto(server.base + '/#' + hash);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await audit(page, hash);
      if (viewport === MOBILE) {
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 360, `${hash} is ${width}px wide at 360`);
      }
    }
    // Issue 22 item 12, on 我的 (the last screen above): its links sit one
    // under another (they ran together: "隐私中心消息通知我的作品影集"), and
    // checkboxes, radios, sliders and progress bars take the brand colour,
    // not the browser's blue.
    const links = page.getByRole('navigation', { name: '更多' }).getByRole('link');
    const tops = await links.evaluateAll((as) => as.map((a) => Math.round(a.getBoundingClientRect().top)));
    assert.ok(tops.length >= 4, `${tops.length} links`);
    assert.equal(new Set(tops).size, tops.length, `links share a line: ${tops}`);
    const accent = await page.evaluate(() => getComputedStyle(document.querySelector('#main input') || document.body).accentColor);
    assert.equal(accent, 'rgb(176, 21, 79)');
    // Issue 22 item 12: the navigation sits under the header on a desktop
    // (it floated after a short page's content), at the foot of the screen
    // on a phone.
    const nav = await page.locator('#tabs').boundingBox();
    const head = await page.locator('header.top').boundingBox();
    const content = await page.locator('#main').boundingBox();
    if (viewport === DESKTOP) {
      assert.ok(Math.abs(nav.y - (head.y + head.height)) <= 2 && nav.y < content.y,
        `navigation at ${nav.y}, the header ends at ${head.y + head.height}, the page starts at ${content.y}`);
    } else {
      assert.equal(Math.round(nav.y + nav.height), viewport.height, `navigation ends at ${nav.y + nav.height}`);
    }
    // A long file name wraps in the photo's title instead of widening the page.
    const long = 'IMG_20261203_' + 'a_very_long_name_from_a_chat_app_'.repeat(6) + '.png';
    await page.goto(server.base + '/#/photos');
    await page.locator('#upload-input').setInputFiles([{ name: long, mimeType: 'image/png', buffer: readFileSync(testdata('coffee.png')) }]);
    await page.getByText('已上传 1 张照片').waitFor();
    await page.getByRole('img', { name: long }).click();
    await page.getByRole('heading', { name: long }).waitFor();
    const wide = await page.evaluate(() => [document.documentElement.scrollWidth, document.querySelector('#main h1').scrollWidth, document.querySelector('#main h1').clientWidth]);
    assert.ok(wide[0] <= viewport.width && wide[1] <= wide[2], `a long name overflows: page ${wide[0]}, title ${wide[1]} in ${wide[2]}`);
    const { errors, missing } = await page.problems();
    assert.deepEqual(missing, []);
    assert.deepEqual(errors, []);
  });
}

test('keyboard_skip_link_and_tab_bar', async () => {
  const page = await newPage(server, { viewport: MOBILE });
  await signIn(page, server, '13800138703');
  await page.getByRole('heading', { name: '相册' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: '相册' }).waitFor();
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => document.activeElement.textContent);
  assert.equal(skip, '跳到主要内容');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  // Skipping moves focus only: the route (and the page) stay where they were.
  assert.match(page.url(), /#\/photos$/);
  await page.getByRole('heading', { name: '相册' }).waitFor();
  // The tab bar's links are reachable and carry aria-current.
  await page.getByRole('link', { name: '创作' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: '创作' }).waitFor();
  assert.equal(await page.getByRole('link', { name: '创作' }).getAttribute('aria-current'), 'page');
  await clean(page);
});
