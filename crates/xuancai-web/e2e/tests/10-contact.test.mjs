// R-7, MIN-5: the contact channels are on a page anyone can open (from the
// sign-in screen, even after declining the agreement), example values say
// so, and a guardian can send a complaint about a child without any
// account; it lands in the operators' queue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, closeBrowser, newPage, shot, clean, apiLogin, OPERATOR } from '../harness.mjs';

const CONTACT = `
[contact]
operator = "某某影像科技有限公司"
email = "privacy@op.example.cn"
minors_email = "minors@op.example.cn"
address = "北京市海淀区中关村大街1号"
officer = "李四"
officer_email = "dpo@op.example.cn"
`;

let plain;
let configured;
before(async () => {
  plain = await startServer();
  configured = await startServer({ extraConfig: CONTACT });
  await launch();
});
after(async () => {
  await closeBrowser();
  for (const s of [plain, configured]) if (s) { await s.stop(); s.cleanup(); }
});

test('r7_contact_page_is_reachable_without_an_account_and_marks_examples', async () => {
  const page = await newPage(plain);
  await page.goto(plain.base + '/#/login');
  const dlg = page.getByRole('dialog', { name: /欢迎使用炫彩/ });
  await dlg.waitFor();
  // Declining the agreement still leaves the way to the operator open.
  await dlg.getByRole('button', { name: '不同意' }).click();
  await page.getByRole('link', { name: '联系我们与投诉' }).click();
  await page.getByRole('heading', { name: '联系我们' }).waitFor();
  await page.getByText('以下为示例信息，运营者尚未配置自己的联系方式。').waitFor();
  await clean(page);
});

test('r7_min5_a_guardian_complains_about_a_child_without_an_account', async () => {
  const page = await newPage(configured);
  await page.goto(configured.base + '/#/contact');
  await page.getByRole('heading', { name: '联系我们' }).waitFor();
  for (const value of ['某某影像科技有限公司', 'minors@op.example.cn', '北京市海淀区中关村大街1号', '李四（dpo@op.example.cn）']) {
    await page.getByText(value, { exact: true }).waitFor();
  }
  assert.equal(await page.locator('#contact-example').count(), 0, 'configured channels are not examples');
  await page.getByLabel('投诉类型').selectOption('minor');
  await page.getByLabel('投诉内容').fill('我是监护人，孩子未经我同意注册了账号，请删除孩子的照片。');
  await page.getByLabel('答复发送至').fill('parent@family.example.cn');
  await page.getByLabel(/孩子的账号/).fill('小明');
  await page.getByRole('button', { name: '提交投诉' }).click();
  await page.getByText(/已收到您的投诉（编号 [0-9a-f]{8}），我们将在 .+ 前答复。/).waitFor();
  await shot(page, 'r7-complaint-received-360');
  await clean(page);
  // The operators' queue has it, with the child and where to answer.
  const op = await apiLogin(configured, OPERATOR.phone, OPERATOR.e164);
  const q = await op('GET', '/api/v1/ops/complaints');
  assert.equal(q.status, 200);
  assert.equal(q.body.items.length, 1, JSON.stringify(q.body));
  assert.equal(q.body.items[0].topic, 'minor');
  assert.equal(q.body.items[0].child, '小明');
  assert.equal(q.body.items[0].reply_to, 'parent@family.example.cn');
  assert.equal(q.body.items[0].overdue, false);
});
