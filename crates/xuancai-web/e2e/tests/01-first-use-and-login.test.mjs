// CON-1 (first-use agreement before anything personal is processed), COOK-1
// (cookie choice), ACC-1 (SMS sign-in), the language switch, the page's
// security headers and "no third-party requests".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launch, closeBrowser, newPage, shot, clean, signIn, waitForCode, codesSent, DESKTOP,
} from '../harness.mjs';

let server;
before(async () => { server = await startServer(); await launch(); });
after(async () => { await closeBrowser(); if (server) { await server.stop(); server.cleanup(); } });

test('con1_first_use_dialog_links_the_documents_emphasises_key_clauses_and_blocks_sign_in_until_agreed', async () => {
  const page = await newPage(server);
  const res = await page.goto(server.base + '/');
  const csp = res.headers()['content-security-policy'];
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  const dlg = page.getByRole('dialog', { name: '欢迎使用炫彩' });
  await dlg.waitFor();
  // Both documents linked, rendered by the server.
  for (const [name, kind] of [['《用户协议》', 'user_agreement'], ['《隐私政策》', 'privacy_policy']]) {
    const link = dlg.getByRole('link', { name });
    assert.match(await link.getAttribute('href'), new RegExp(`/api/v1/documents/${kind}`));
  }
  // Key clauses are emphasised: bold and underlined (CON-2's rendering rule).
  const keys = dlg.locator('.key');
  assert.ok((await keys.count()) >= 4);
  const style = await keys.first().evaluate((el) => { const s = getComputedStyle(el); return [s.fontWeight, s.textDecorationLine]; });
  assert.ok(Number(style[0]) >= 700, `bold: ${style[0]}`);
  assert.match(style[1], /underline/);
  await shot(page, 'con1-first-use-dialog-360');
  // Disagree: no sign-in form, nothing can be sent.
  await dlg.getByRole('button', { name: '不同意' }).click();
  await page.getByText('您需要同意《用户协议》和《隐私政策》后才能注册或登录').waitFor();
  assert.equal(await page.getByLabel('手机号', { exact: true }).count(), 0);
  // Agree after all: the form appears.
  await page.getByRole('button', { name: '重新阅读并选择' }).click();
  await page.getByRole('dialog', { name: '欢迎使用炫彩' }).getByRole('button', { name: '同意', exact: true }).click();
  await page.getByLabel('手机号', { exact: true }).waitFor();
  await shot(page, 'acc1-login-360');
  await clean(page);
});

test('cook1_the_cookie_choice_is_asked_recorded_and_not_asked_again', async () => {
  const page = await newPage(server);
  await page.goto(server.base + '/');
  await page.getByRole('dialog').getByRole('button', { name: '同意', exact: true }).click();
  const banner = page.getByRole('region', { name: 'Cookie 设置' });
  await banner.waitFor();
  assert.equal(await page.getByLabel('分析 Cookie').isChecked(), false, 'analytics is off until chosen');
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/consent-state') && r.request().method() === 'PUT');
  await banner.getByRole('button', { name: '仅必要' }).click();
  assert.equal((await saved).status(), 200);
  await banner.waitFor({ state: 'detached' });
  const state = await page.evaluate(() => fetch('/api/v1/consent-state').then((r) => r.json()));
  assert.equal(state.decided, true);
  assert.equal(state.analytics, false);
  await page.reload();
  await page.getByLabel('手机号', { exact: true }).waitFor();
  assert.equal(await page.getByRole('region', { name: 'Cookie 设置' }).count(), 0);
  // Clearing cookies degrades gracefully: the banner asks again, the app still works.
  await page.context().clearCookies();
  await page.reload();
  await page.getByRole('region', { name: 'Cookie 设置' }).waitFor();
  await clean(page);
});

test('acc1_sign_in_by_sms_code_wrong_code_is_refused_and_the_session_survives_a_reload', async () => {
  const page = await newPage(server);
  const phone = '13800138001';
  await page.goto(server.base + '/#/login');
  await page.getByRole('dialog').getByRole('button', { name: '同意', exact: true }).click();
  await page.getByLabel('手机号', { exact: true }).fill(phone);
  const n = codesSent(server, '+86' + phone);
  // §11: without the separate tick for the phone number nothing is sent.
  await page.getByRole('button', { name: '获取验证码' }).click();
  await page.getByText('请先勾选同意收集手机号码').waitFor();
  assert.equal(codesSent(server, '+86' + phone), n, 'no SMS without the tick');
  const consent = page.locator('#phone-consent');
  assert.match(await consent.innerText(), /为什么需要[\s\S]*对您的影响/, 'PIPL Art. 30: necessity and impact beside the tick');
  await page.getByLabel(/单独同意收集我的手机号码/).check();
  await page.getByRole('button', { name: '获取验证码' }).click();
  const code = await waitForCode(server, '+86' + phone, n);
  await page.getByText(/验证码已发送/).waitFor();
  const wrong = code === '000000' ? '111111' : '000000';
  await page.getByLabel('验证码', { exact: true }).fill(wrong);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.getByText('验证码不正确').waitFor();
  await page.getByLabel('验证码', { exact: true }).fill(code);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.getByRole('heading', { name: '相册' }).waitFor();
  // The session cookie is HttpOnly: scripts cannot read it (ACC-4).
  assert.equal(await page.evaluate(() => document.cookie.includes('xuancai_session')), false);
  await page.reload();
  await page.getByRole('heading', { name: '相册' }).waitFor();
  await shot(page, 'acc1-signed-in-photos-360');
  // Sign out from "我的", and the app asks to sign in again.
  await page.getByRole('link', { name: '我的' }).click();
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.getByLabel('手机号', { exact: true }).waitFor();
  await clean(page);
});

test('the_app_switches_to_english_and_back_and_keeps_the_choice', async () => {
  const page = await newPage(server, { viewport: DESKTOP });
  await page.goto(server.base + '/');
  await page.getByRole('dialog').getByRole('button', { name: '同意', exact: true }).click();
  await page.getByRole('button', { name: 'Language / 语言' }).click();
  await page.getByRole('heading', { name: 'Sign in / sign up' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in / sign up' }).waitFor();
  await shot(page, 'login-en-desktop');
  await page.getByRole('button', { name: 'Language / 语言' }).click();
  await page.getByRole('heading', { name: '登录 / 注册' }).waitFor();
  await clean(page);
});
