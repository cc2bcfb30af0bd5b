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

// MIN-2, MIN-5: the guardian's own page, with no account of theirs: they
// see the child they agreed for, download the child's data, withdraw (the
// child is locked again) and leave; the page token never reaches script.
test('min2_min5_the_guardian_manages_the_child_on_the_guardians_page', async () => {
  const child = await newPage(server);
  const childPhone = '13900139003';
  await signIn(child, server, childPhone, { birthDate: `${new Date().getFullYear() - 9}-05-01` });
  await child.getByRole('heading', { name: '监护人同意' }).waitFor();
  const guardian = '13600136003';
  await child.getByLabel('监护人手机号').fill(guardian);
  let n = codesSent(server, '+86' + guardian);
  await child.getByRole('button', { name: '发送验证码给监护人' }).click();
  await child.getByLabel('监护人收到的验证码').fill(await waitForCode(server, '+86' + guardian, n));
  for (const box of await child.getByRole('checkbox').all()) await box.check();
  await child.getByRole('button', { name: '监护人确认同意' }).click();
  await child.getByRole('heading', { name: '相册' }).waitFor();

  // The guardian, in a browser of their own, from the sign-in screen.
  const page = await newPage(server);
  await page.goto(server.base + '/#/login');
  const dlg = page.getByRole('dialog', { name: /欢迎使用炫彩/ });
  await dlg.waitFor();
  await dlg.getByRole('button', { name: '不同意' }).click();
  await page.getByRole('link', { name: '我是监护人' }).click();
  await page.getByRole('heading', { name: '监护人专区' }).waitFor();
  await page.getByLabel('监护人手机号').fill(guardian);
  n = codesSent(server, '+86' + guardian);
  await page.getByRole('button', { name: '获取验证码' }).click();
  await page.getByLabel('验证码', { exact: true }).fill(await waitForCode(server, '+86' + guardian, n));
  await page.getByRole('button', { name: '进入监护人专区' }).click();
  const card = page.locator('[data-ward]');
  await card.getByText(/注册手机号 \+86 139\*\*\*\*9003 · 未满14周岁/).waitFor();
  await card.getByText(/您已于 .+ 同意。/).waitFor();
  assert.ok(!(await page.evaluate(() => document.cookie)).includes('xuancai_guardian'), 'the page token is not readable by script');

  // The child's data, downloaded with the page's own cookie.
  await card.getByRole('button', { name: '导出孩子的个人信息' }).click();
  const link = card.getByRole('link', { name: '下载导出文件（ZIP）' });
  await link.waitFor({ timeout: 60_000 });
  const zip = await page.request.get(new URL(await link.getAttribute('href'), server.base).href);
  assert.equal(zip.status(), 200);
  assert.equal(zip.headers()['content-type'], 'application/zip');

  // Withdrawing locks the child's account at once.
  await card.getByRole('button', { name: '撤回同意' }).click();
  const confirm = page.getByRole('dialog', { name: '撤回同意' });
  await confirm.getByRole('button', { name: '撤回同意' }).click();
  await page.locator('[data-ward]').getByText(/您已撤回同意，账号已锁定；如不重新同意，将于 .+ 删除。/).waitFor();
  await shot(page, 'min5-guardian-page-360');
  const refused = child.waitForResponse((r) => r.url().includes('/api/v1/photos') && r.status() === 403);
  await child.goto(server.base + '/#/photos?again=1');
  assert.equal((await (await refused).json()).code, 'guardian_required');

  // Leaving clears the page; it asks for a code again.
  await page.getByRole('button', { name: '退出监护人专区' }).click();
  await page.getByRole('button', { name: '进入监护人专区' }).waitFor();
  await clean(page);
  await clean(child);
});
