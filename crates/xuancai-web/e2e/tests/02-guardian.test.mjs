// MIN-1..4: the age question at sign-up; a child waits for a guardian, who
// verifies with their own phone and agrees to both children's documents.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, closeBrowser, newPage, shot, clean, signIn, waitForCode, codesSent } from '../harness.mjs';

let server;
before(async () => { server = await startServer(); await launch(); });
after(async () => { await closeBrowser(); if (server) { await server.stop(); server.cleanup(); } });

test('min1_to_min4_a_child_signs_up_and_can_use_the_app_only_after_the_guardian_agrees', async () => {
  const page = await newPage(server);
  const child = '13900139001';
  const year = new Date().getFullYear() - 10;
  await signIn(page, server, child, { birthDate: `${year}-03-01` });
  await page.getByRole('heading', { name: '监护人同意' }).waitFor();
  await page.getByText('您未满14周岁，需要监护人同意后才能使用炫彩。').waitFor();
  await shot(page, 'min2-guardian-360');
  // Locked: the photo library is refused, and the app comes back here.
  await page.evaluate(() => { document.querySelector('#main h1').dataset.old = '1'; });
  const refused = page.waitForResponse((r) => r.url().includes('/api/v1/photos') && r.status() === 403);
  await page.goto(server.base + '/#/photos');
  assert.equal((await (await refused).json()).code, 'guardian_required');
  await page.waitForURL(/#\/guardian$/);
  await page.locator('#main h1:not([data-old])', { hasText: '监护人同意' }).waitFor();
  // MIN-4: the guardian's own phone, not the child's.
  await page.getByLabel('监护人手机号').fill(child);
  await page.getByRole('button', { name: '发送验证码给监护人' }).click();
  await page.getByText('请填写监护人本人的手机号').waitFor();
  const guardian = '13600136001';
  await page.getByLabel('监护人手机号').fill(guardian);
  const n = codesSent(server, '+86' + guardian);
  await page.getByRole('button', { name: '发送验证码给监护人' }).click();
  const code = await waitForCode(server, '+86' + guardian, n);
  await page.getByLabel('监护人收到的验证码').fill(code);
  // Both documents must be agreed to: the form will not submit without them.
  await page.getByRole('button', { name: '监护人确认同意' }).click();
  assert.equal(await page.getByRole('heading', { name: '监护人同意' }).count(), 1);
  for (const box of await page.getByRole('checkbox').all()) await box.check();
  await page.getByRole('button', { name: '监护人确认同意' }).click();
  await page.getByRole('heading', { name: '相册' }).waitFor();
  await clean(page);
});

test('min1_an_adult_with_no_birth_date_needs_no_guardian', async () => {
  const page = await newPage(server);
  await signIn(page, server, '13900139002');
  await page.getByRole('heading', { name: '相册' }).waitFor();
  await clean(page);
});
