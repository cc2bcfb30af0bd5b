// ADS-3 (service announcements reach everyone), ADS-2 (marketing carries a
// working unsubscribe), CON-4 (the withdrawal shows at once).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, closeBrowser, newPage, shot, clean, signIn, apiLogin, OPERATOR } from '../harness.mjs';

let server;
before(async () => { server = await startServer(); await launch(); });
after(async () => { await closeBrowser(); if (server) { await server.stop(); server.cleanup(); } });

test('ads2_ads3_inbox_shows_announcements_and_marketing_unsubscribes_by_its_link', async () => {
  const page = await newPage(server);
  await signIn(page, server, '13800138501');
  await page.getByRole('link', { name: '消息' }).click();
  await page.getByText('暂无消息。').waitFor();
  await page.getByRole('switch', { name: '接收活动与推广消息' }).check();
  await page.getByText('已开启推广消息').waitFor();
  const op = await apiLogin(server, OPERATOR.phone, OPERATOR.e164);
  // Queued at once (202); the queue delivers in the background.
  const send = async (message) => {
    const queued = await op('POST', '/api/v1/ops/messages', message);
    assert.equal(queued.status, 202);
    for (let i = 0; i < 300; i += 1) {
      const b = await op('GET', `/api/v1/ops/messages/${queued.body.id}`);
      if (b.body.state === 'done') return b.body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the broadcast did not finish');
  };
  await send({ kind: 'service', title: '系统维护通知', body: '今晚 23:00 维护一小时。' });
  await send({ kind: 'marketing', title: '新年贴纸上线', body: '快来试试！' });
  await page.reload();
  await page.locator('#messages li', { hasText: '系统维护通知' }).waitFor();
  const promo = page.locator('#messages li', { hasText: '新年贴纸上线' });
  await promo.waitFor();
  await shot(page, 'ads2-inbox-360');
  const [tab] = await Promise.all([page.context().waitForEvent('page'), promo.getByRole('link', { name: '退订推广消息' }).click()]);
  await tab.waitForLoadState();
  assert.match(await tab.textContent('body'), /已退订/);
  await page.reload();
  await page.getByRole('switch', { name: '接收活动与推广消息' }).waitFor();
  assert.equal(await page.getByRole('switch', { name: '接收活动与推广消息' }).isChecked(), false);
  await clean(page);
});
