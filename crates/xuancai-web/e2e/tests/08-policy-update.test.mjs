// CON-2: a material change is announced before it takes effect (a banner),
// and once in force the app stops until the user agrees again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, launch, closeBrowser, newPage, shot, clean, signIn, apiLogin, OPERATOR } from '../harness.mjs';

let server;
before(async () => { server = await startServer(); await launch(); });
after(async () => { await closeBrowser(); if (server) { await server.stop(); server.cleanup(); } });

test('con2_a_material_update_is_announced_then_needs_agreement_again', async () => {
  const page = await newPage(server);
  await signIn(page, server, '13800138601');
  await page.getByRole('heading', { name: '相册' }).waitFor();
  const op = await apiLogin(server, OPERATOR.phone, OPERATOR.e164);
  // Nine days ahead: the notice period is 7 days counted to the start of the
  // effective date in the server's time zone (UTC+8), whatever the hour here.
  const effective = new Date(Date.now() + 9 * 86_400_000).toISOString().slice(0, 10);
  const r = await op('POST', '/api/v1/ops/documents', {
    kind: 'privacy_policy', version: '2099.1', effective_date: effective, material: true, summary: '新增了人脸信息的保存期限说明。',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await page.reload();
  const banner = page.locator('[data-policy-update="privacy_policy"]');
  await banner.getByText(/生效后需要您重新同意/).waitFor();
  await banner.getByText('新增了人脸信息的保存期限说明。').waitFor();
  await shot(page, 'con2-policy-banner-360');
  // Eight days pass: the server stops, the announced date is moved into the
  // past in its database, and it starts again on the same data. The page
  // leaves first: left open, its next poll of the stopped server is a
  // console error ("ERR_CONNECTION_REFUSED"), which failed this test in
  // one CI run out of several.
  await page.goto('about:blank');
  await server.stop();
  const db = join(server.dataDir, 'xuancai.db');
  execFileSync('python3', ['-c', `import sqlite3,sys,time
c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE documents SET effective_at=? WHERE version='2099.1'", (int(time.time()*1000)-1000,)); c.commit()`, db]);
  const again = await startServer({ dataDir: server.dataDir });
  server = again;
  page.origins.push(again.base);
  await page.goto(again.base + '/#/photos');
  const dlg = page.getByRole('dialog', { name: '政策更新，请重新阅读并同意' });
  await dlg.waitFor();
  await dlg.getByText('新增了人脸信息的保存期限说明。').waitFor();
  await shot(page, 'con2-reagree-dialog-360');
  await dlg.getByRole('button', { name: '同意', exact: true }).click();
  await page.getByRole('heading', { name: '相册' }).waitFor();
  const consents = await page.evaluate(() => fetch('/api/v1/me/consents').then((r) => r.json()));
  assert.equal(consents.documents.find((d) => d.kind === 'privacy_policy').agreed_version, '2099.1');
  await clean(page);
});
