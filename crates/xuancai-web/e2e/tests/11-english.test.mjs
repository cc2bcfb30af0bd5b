// Issue 22 items 11 and 12: a user who reads English can switch language in
// the first-use dialog (before agreeing, when the header's switch is behind
// it), the cookie banner waits until that dialog is answered, and the
// English screens carry no Chinese text or punctuation (《》、：（）) — the
// documents' titles, the privacy center's category lists, the contact
// officer, the sticker templates' names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launch, closeBrowser, newPage, shot, clean, waitForCode, codesSent, MOBILE, DESKTOP,
} from '../harness.mjs';

let server;
before(async () => { server = await startServer(); await launch(); });
after(async () => { await closeBrowser(); if (server) { await server.stop(); server.cleanup(); } });

// Han characters and CJK punctuation (《》、：（）。，).
const CJK = /[\u4e00-\u9fff\u3000-\u303f\uff01-\uff1f]/g;

/** The Chinese left in the page's visible text, but the switch back ("中文"). */
async function chineseIn(locator) {
  const text = (await locator.innerText()).replaceAll('中文', '');
  return [...new Set(text.match(CJK) || [])].join('');
}

for (const [label, viewport] of [['360', MOBILE], ['desktop', DESKTOP]]) {
  test(`english_is_chosen_in_the_first_use_dialog_and_english_screens_are_english_at_${label}`, async () => {
    const page = await newPage(server, { viewport });
    await page.goto(server.base + '/');
    const zh = page.getByRole('dialog', { name: '欢迎使用炫彩' });
    await zh.waitFor();
    await page.waitForTimeout(500);
    assert.equal(await page.getByRole('region', { name: 'Cookie 设置' }).count(), 0,
      'no cookie banner over the first-use dialog');

    assert.ok((await zh.innerText()).includes('《用户协议》和《隐私政策》'), 'the documents listed as Chinese lists them');
    // The switch is in the dialog itself; the dialog comes back in English.
    await zh.getByRole('button', { name: 'English', exact: true }).click();
    const dlg = page.getByRole('dialog', { name: 'Welcome to Xuancai' });
    await dlg.waitFor();
    for (const [name, kind] of [['“User Agreement”', 'user_agreement'], ['“Privacy Policy”', 'privacy_policy']]) {
      assert.match(await dlg.getByRole('link', { name }).getAttribute('href'), new RegExp(`/api/v1/documents/${kind}`));
    }
    assert.equal(await chineseIn(dlg), '', 'the English dialog has no Chinese');
    assert.ok((await dlg.innerText()).includes('our “User Agreement” and “Privacy Policy”'), await dlg.innerText());
    await shot(page, `i22-english-first-use-${label}`);
    await dlg.getByRole('button', { name: 'Agree', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in / sign up' }).waitFor();
    // The cookie choice comes after the dialog, in English too.
    await page.getByRole('region', { name: 'Cookie settings' }).waitFor();
    assert.equal(await chineseIn(page.locator('body')), '', 'the sign-in screen has no Chinese');
    await page.getByRole('region', { name: 'Cookie settings' }).getByRole('button').first().click();

    // Sign in, in English.
    const phone = label === '360' ? '13800138111' : '13800138112';
    await page.getByLabel('Phone number', { exact: true }).fill(phone);
    await page.getByLabel(/I separately agree that my phone number/).check();
    const sent = codesSent(server, '+86' + phone);
    await page.getByRole('button', { name: 'Send code' }).click();
    const code = await waitForCode(server, '+86' + phone, sent);
    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForFunction(() => !location.hash.startsWith('#/login'));

    // The privacy center: documents quoted and categories listed the English way.
    await page.goto(server.base + '/#/privacy');
    await page.getByRole('link', { name: '“Privacy Policy”' }).first().waitFor();
    const main = page.locator('#main');
    assert.equal(await chineseIn(main), '', 'the privacy center has no Chinese');
    assert.match(await main.innerText(), /\w, \w/, 'categories listed with commas');
    await shot(page, `i22-english-privacy-${label}`);

    // The contact page: our words are English; the operator's own values
    // (its name, address, officer — configured, here in Chinese) are shown
    // as written, the officer's e-mail in English brackets.
    await page.goto(server.base + '/#/contact');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.waitForFunction(() => /@/.test(document.querySelector('#main').innerText));
    const c = await page.evaluate(() => fetch('/api/v1/contact').then((r) => r.json()));
    let text = await main.innerText();
    assert.ok(text.includes(`${c.officer} (${c.officer_email})`), `the officer as English writes it: ${text}`);
    for (const v of [c.operator, c.address, c.officer]) text = text.replaceAll(v, '');
    assert.deepEqual(text.match(CJK), null, 'the contact page has no Chinese of ours');

    // The sticker templates by their English names.
    await page.goto(server.base + '/#/studio?tab=sticker');
    const templates = page.getByLabel('Template', { exact: true });
    await templates.waitFor();
    const names = await templates.locator('option').allInnerTexts();
    assert.ok(names.includes('Greeting card for blessings'), names.join(' | '));
    assert.equal(names.join('').match(CJK), null, `template names: ${names.join(' | ')}`);
    await clean(page);
  });
}

test('chinese_template_names_are_chinese', async () => {
  const page = await newPage(server, { viewport: MOBILE });
  const phone = '13800138113';
  await page.goto(server.base + '/#/login');
  await page.getByRole('dialog').getByRole('button', { name: '同意', exact: true }).click();
  await page.getByLabel('手机号', { exact: true }).fill(phone);
  await page.getByLabel(/单独同意收集我的手机号码/).check();
  const sent = codesSent(server, '+86' + phone);
  await page.getByRole('button', { name: '获取验证码' }).click();
  await page.getByLabel('验证码', { exact: true }).fill(await waitForCode(server, '+86' + phone, sent));
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.waitForFunction(() => !location.hash.startsWith('#/login'));
  await page.goto(server.base + '/#/studio?tab=sticker');
  const templates = page.getByLabel('模板', { exact: true });
  await templates.waitFor();
  const names = await templates.locator('option').allInnerTexts();
  assert.ok(names.includes('祝福卡'), names.join(' | '));
  assert.ok(names.every((n) => !/^[A-Za-z]/.test(n)), `no English name in the Chinese list: ${names.join(' | ')}`);
  await clean(page);
});
