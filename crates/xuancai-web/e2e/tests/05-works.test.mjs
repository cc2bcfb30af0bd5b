// IMG-6, DATA-3, R-8: a work published, seen in the feed with its author's
// nickname, commented on, reported, blessed; the owner deletes a comment and
// then the work, which disappears everywhere at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, closeBrowser, newPage, shot, clean, signIn, testdata } from '../harness.mjs';

let server;
before(async () => { server = await startServer(); await launch(); });
after(async () => { await closeBrowser(); if (server) { await server.stop(); server.cleanup(); } });

test('img6_data3_r8_publish_comment_bless_and_delete_a_work', async () => {
  const alice = await newPage(server);
  await signIn(alice, server, '13800138301');
  await alice.getByRole('link', { name: '我的' }).click();
  await alice.getByLabel('昵称').fill('爱丽丝');
  await alice.getByRole('button', { name: '保存', exact: true }).click();
  await alice.getByText('已保存').waitFor();
  await alice.goto(server.base + '/#/photos');
  await alice.locator('#upload-input').setInputFiles([testdata('chelsea.png')]);
  await alice.getByText('已上传 1 张照片').waitFor();
  await alice.locator('.grid .cell').first().click();
  await alice.getByRole('button', { name: '保存为作品' }).click();
  const dlg = alice.getByRole('dialog');
  await dlg.getByLabel('作品名称').fill('小猫');
  await dlg.getByLabel('谁可以看').selectOption('public');
  await dlg.getByRole('button', { name: '保存' }).click();
  await alice.getByRole('heading', { name: '小猫' }).waitFor();
  const workUrl = alice.url();

  const bob = await newPage(server);
  await signIn(bob, server, '13800138302');
  await bob.getByRole('link', { name: '作品' }).click();
  const card = bob.locator('article.work', { hasText: '小猫' });
  await card.waitFor();
  assert.match(await card.innerText(), /爱丽丝/);
  await shot(bob, 'img6-feed-360');
  await card.getByRole('link', { name: '小猫' }).first().click();
  await bob.getByLabel('写评论').fill('好可爱！');
  await bob.getByRole('button', { name: '发表评论' }).click();
  await bob.locator('#comments li', { hasText: '好可爱！' }).waitFor();
  // Report it (as Bob, on Alice's comment later); a blessing to the author.
  await bob.getByRole('button', { name: '给作者送祝福' }).click();
  const bless = bob.getByRole('dialog', { name: '送祝福' });
  await bless.getByLabel('祝福语').fill('生日快乐');
  await bless.getByRole('button', { name: '送祝福' }).click();
  const shared = bob.getByRole('dialog', { name: '祝福已送出' });
  const link = await shared.getByLabel('分享链接').inputValue();
  assert.match(link, /#\/b\/[0-9a-f]{32}$/);
  await shared.getByRole('button', { name: '好的' }).click();
  await shot(bob, 'img6-work-comments-360');

  // Alice: the blessing in her inbox; she reports and deletes Bob's comment.
  await alice.goto(server.base + '/#/blessings');
  await alice.locator('#blessings li', { hasText: '生日快乐' }).waitFor();
  await shot(alice, 'data3-blessings-inbox-360');
  await alice.goto(workUrl);
  const comment = alice.locator('#comments li', { hasText: '好可爱！' });
  await comment.getByRole('button', { name: '举报' }).click();
  await alice.getByRole('dialog').getByLabel('举报理由').fill('测试举报');
  await alice.getByRole('dialog').getByRole('button', { name: '举报' }).click();
  await alice.getByText('已举报，我们会尽快处理').waitFor();
  await comment.getByRole('button', { name: '删除评论' }).click();
  await comment.waitFor({ state: 'detached' });
  // The shared blessing opens without signing in.
  const anon = await newPage(server);
  await anon.goto(link.replace(/^https?:\/\/[^/]+/, server.base));
  await anon.getByRole('heading', { name: '收到一份祝福' }).waitFor();
  await anon.getByText('生日快乐').waitFor();

  // deleting the work removes it from the feed and its page at once.
  await alice.goto(workUrl);
  await alice.getByRole('button', { name: '删除作品' }).click();
  await alice.getByRole('dialog').getByRole('button', { name: '删除作品' }).click();
  await alice.getByText('作品已删除').waitFor();
  await bob.goto(server.base + '/#/feed');
  await bob.getByRole('heading', { name: '作品广场' }).waitFor();
  assert.equal(await bob.locator('article.work', { hasText: '小猫' }).count(), 0);
  await bob.goto(workUrl);
  await bob.getByText('找不到这个页面或内容').first().waitFor();
  for (const p of [alice, anon]) await clean(p);
});
