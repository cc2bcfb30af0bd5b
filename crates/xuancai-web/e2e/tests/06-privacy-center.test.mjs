// The privacy center: consents with toggles and their basis (CON-3..5), the
// personalisation switch that changes recommendations (CON-6, ADS-1), export
// with download after a fresh code (ACC-7), a correction request with
// status and deadline, and cancellation with its consequences
// spelled out (ACC-6, R-5).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, launch, closeBrowser, newPage, shot, clean, signIn, waitForCode, codesSent, DESKTOP } from '../harness.mjs';

let server;
before(async () => { server = await startServer(); await launch(); });
after(async () => { await closeBrowser(); if (server) { await server.stop(); server.cleanup(); } });

/** Answer the identity check (ACC-7) with the code sent to the account's phone. */
async function verify(page, e164, n) {
  const dlg = page.getByRole('dialog', { name: '验证身份' });
  await dlg.waitFor();
  const code = await waitForCode(server, e164, n);
  await dlg.getByLabel('验证码').fill(code);
  await dlg.getByRole('button', { name: '确认' }).click();
}

test('con6_ads1_r1_r2_r6_consents_personalisation_export_and_requests', async () => {
  const phone = '13800138401';
  const e164 = '+86' + phone;
  const page = await newPage(server);
  await signIn(page, server, phone);
  await page.goto(server.base + '/#/privacy');
  await page.getByRole('heading', { name: '隐私中心' }).waitFor();
  // Every purpose with its basis; the contract ones cannot be switched off.
  const studio = page.locator('[data-purpose="studio"] input');
  assert.equal(await studio.isDisabled(), true);
  await page.locator('[data-purpose="faces"]').getByText('需要单独同意').waitFor();
  // Personalisation on, then off: recommendations follow (CON-6).
  const personal = page.getByRole('switch', { name: '个性化推荐' });
  await personal.check();
  await page.getByText('已开启：个性化推荐').waitFor();
  await page.goto(server.base + '/#/studio?tab=sticker');
  await page.getByText('根据您的使用习惯推荐').waitFor();
  await page.goto(server.base + '/#/privacy');
  await page.getByRole('switch', { name: '个性化推荐' }).uncheck();
  await page.getByText('已撤回：个性化推荐').waitFor();
  await page.goto(server.base + '/#/studio?tab=sticker');
  await page.getByText('按大家的使用热度排序（个性化推荐已关闭）').waitFor();
  // Export: identity check, the request with its deadline, then the download.
  await page.goto(server.base + '/#/privacy');
  let n = codesSent(server, e164);
  await page.getByRole('button', { name: '导出我的数据' }).click();
  await verify(page, e164, n);
  await page.getByText('请求已提交').waitFor();
  const row = page.locator('#requests li[data-kind="export"]');
  await row.getByText(/最晚 .* 前处理/).waitFor();
  const link = page.getByRole('link', { name: '下载导出文件' });
  await link.waitFor({ timeout: 60_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const zip = readFileSync(await download.path());
  assert.equal(zip.subarray(0, 2).toString(), 'PK');
  // A correction request, listed with its status.
  n = codesSent(server, e164);
  await page.getByRole('button', { name: '申请更正' }).click();
  await page.getByLabel('需要更正的内容').fill('昵称拼错了');
  await page.getByRole('dialog').getByRole('button', { name: '下一步' }).click();
  await verify(page, e164, n);
  const correction = page.locator('#requests li[data-kind="correction"]');
  await correction.waitFor();
  await correction.getByText('昵称拼错了').waitFor();
  assert.match(await correction.locator('.status').innerText(), /已收到|已验证|处理中/);
  await shot(page, 'r6-privacy-center-360');
  await clean(page);
});

test('acc6_r5_cancellation_spells_out_the_consequences_and_ends_the_account', async () => {
  const phone = '13800138402';
  const e164 = '+86' + phone;
  const page = await newPage(server, { viewport: DESKTOP });
  await signIn(page, server, phone);
  await page.goto(server.base + '/#/privacy');
  await page.getByRole('link', { name: '了解并注销账号' }).click();
  const dlg = page.getByRole('dialog', { name: '注销账号' });
  await dlg.getByText('账号注销后不可恢复，无法再登录或使用').waitFor();
  await dlg.getByText('金币、奖励等余额将被放弃').waitFor();
  await shot(page, 'acc6-cancellation-desktop');
  // Both confirmations are required.
  await dlg.getByRole('button', { name: '下一步' }).click();
  assert.equal(await page.getByRole('dialog', { name: '验证身份' }).count(), 0);
  await dlg.getByLabel('我已导出需要保留的数据').check();
  await dlg.getByLabel('我同意放弃金币、奖励等全部余额').check();
  const n = codesSent(server, e164);
  await dlg.getByRole('button', { name: '下一步' }).click();
  await verify(page, e164, n);
  await page.getByRole('heading', { name: '账号已注销' }).waitFor();
  // The session no longer works.
  const status = await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status));
  assert.equal(status, 401);
  await clean(page);
});

test('acc8_con3_coins_ask_their_own_consent_at_the_first_check_in_and_withdrawing_erases_them', async () => {
  const page = await newPage(server);
  await signIn(page, server, '13800138409');
  await page.goto(server.base + '/#/me');
  const balance = page.locator('#coin-balance');
  await balance.waitFor();
  assert.equal(await balance.innerText(), '0');
  // §11: property information, so a separate consent at the moment of use.
  await page.getByRole('button', { name: '每日签到' }).click();
  let dlg = page.getByRole('dialog', { name: '开启金币功能' });
  await dlg.getByText('属于财产信息（敏感个人信息）').waitFor();
  await shot(page, 'acc8-coins-consent-360');
  await dlg.getByRole('button', { name: '暂不开启' }).click();
  await page.getByText('未开启金币功能').waitFor();
  assert.equal(await balance.innerText(), '0', 'declined: nothing recorded');
  await page.getByRole('button', { name: '每日签到' }).click();
  dlg = page.getByRole('dialog', { name: '开启金币功能' });
  await dlg.getByRole('button', { name: '同意并签到' }).click();
  await page.getByText('签到成功，获得 10 金币').waitFor();
  assert.equal(await balance.innerText(), '10');
  // Withdrawn in the privacy center: the ledger and the balance go.
  await page.goto(server.base + '/#/privacy');
  await page.getByRole('switch', { name: '金币与奖励' }).uncheck();
  const confirm = page.getByRole('dialog', { name: '撤回金币功能的授权？' });
  await confirm.getByText('余额清零').waitFor();
  await confirm.getByRole('button', { name: '撤回' }).click();
  await page.getByText('已撤回：金币与奖励').waitFor();
  await page.goto(server.base + '/#/me');
  await balance.waitFor();
  assert.equal(await balance.innerText(), '0');
  await clean(page);
});
