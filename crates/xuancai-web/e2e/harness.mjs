// The browser tests' harness: each test file starts its own `xuancai serve`
// (the real binary, development mode, a fresh SQLite file and blob folder on
// port 0), drives Debian's chromium through playwright-core, reads SMS codes
// from the development provider's outbox, and saves screenshots.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../../..');
export const BIN = process.env.XUANCAI_BIN || join(ROOT, 'target/release/xuancai');
export const SHOTS = process.env.XUANCAI_SCREENSHOTS || join(ROOT, 'target/e2e-screenshots');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const OPERATOR = { phone: '13700137000', e164: '+8613700137000' };
export const MOBILE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 860 };

/** A test photo fetched by the set-up step (tools/assets/fetch.py). */
export function testdata(name) {
  const dir = process.env.XUANCAI_ASSETS_DIR || join(homedir(), '.cache/xuancai');
  return join(dir, 'testdata', name);
}

/** Start a server; resolves when it listens. `stop()` ends it. */
export async function startServer({ dataDir, extraConfig = '' } = {}) {
  assert.ok(existsSync(BIN), `${BIN} is missing: build it first (make test does)`);
  dataDir = dataDir || mkdtempSync(join(tmpdir(), 'xuancai-e2e-'));
  const config = join(dataDir, 'e2e.toml');
  writeFileSync(config, `job_interval_secs = 1\nsends_per_phone_minute = 5\nsends_per_ip_day = 500\noperators = ["${OPERATOR.e164}"]\n${extraConfig}`);
  const child = spawn(BIN, ['serve', '--config', config, '--dev', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'info', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const port = await new Promise((ok, fail) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error('the server did not start in 60 s:\n' + log)); }, 60_000);
    const onData = (b) => {
      log += b.toString();
      const m = log.match(/listening on https?:\/\/[^\s]+:(\d+)/);
      if (m) { clearTimeout(timer); ok(Number(m[1])); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`the server exited (${code}):\n${log}`)); });
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base, dataDir, port,
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
    cleanup() { rmSync(dataDir, { recursive: true, force: true }); },
  };
}

/** The last code the development SMS provider sent to `e164`. */
export function lastCode(server, e164) {
  const outbox = readFileSync(join(server.dataDir, 'sms-outbox.log'), 'utf8');
  const codes = outbox.split('\n').map((l) => l.split(' ')).filter(([to]) => to === e164).map(([, c]) => c);
  assert.ok(codes.length, `no code was sent to ${e164}`);
  return codes[codes.length - 1];
}

export async function waitForCode(server, e164, previous) {
  for (let i = 0; i < 50; i++) {
    try {
      const c = lastCode(server, e164);
      const count = readFileSync(join(server.dataDir, 'sms-outbox.log'), 'utf8').split('\n').filter((l) => l.startsWith(e164 + ' ')).length;
      if (previous === undefined || count > previous) return c;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no new code for ${e164}`);
}

export function codesSent(server, e164) {
  try {
    return readFileSync(join(server.dataDir, 'sms-outbox.log'), 'utf8').split('\n').filter((l) => l.startsWith(e164 + ' ')).length;
  } catch { return 0; }
}

let browser = null;
export async function launch() {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  return browser;
}

/**
 * A fresh browser context (no cookies, no storage) at a viewport. Every
 * request the page makes is recorded; `thirdParty()` lists any that left
 * the server's origin, and `problems()` any console error or missing text.
 */
export async function newPage(server, { viewport = MOBILE, locale = 'zh-CN', bypassCSP = false } = {}) {
  const context = await browser.newContext({ viewport, locale, bypassCSP, acceptDownloads: true });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  // The server's own origin (a test that restarts the server adds the new one).
  page.origins = [server.base];
  page.thirdParty = () => requests.filter((u) => !page.origins.some((o) => u.startsWith(o + '/')) && !u.startsWith('data:') && !u.startsWith('blob:') && !u.startsWith('about:'));
  page.problems = async () => {
    const missing = await page.evaluate(() => window.__missingKeys || []).catch(() => []);
    // 4xx answers the app expects (a 401 before sign-in) are logged by the
    // browser as resource errors; they are not the app's faults.
    return { missing, errors: errors.filter((e) => !/status of 4\d\d/.test(e)) };
  };
  return page;
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Assert the page broke no rule of the run: no third-party request, no script error, no missing text. */
export async function clean(page) {
  assert.deepEqual(page.thirdParty(), [], 'third-party requests');
  const p = await page.problems();
  assert.deepEqual(p.missing, [], 'texts missing from a dictionary');
  assert.deepEqual(p.errors, [], 'script errors');
}

/** Open the app and pass the first-use dialog (CON-1). */
export async function openAndAgree(page, server, path = '/') {
  await page.goto(server.base + path);
  const dlg = page.getByRole('dialog', { name: /欢迎使用炫彩|Welcome/ });
  await dlg.waitFor();
  await dlg.getByRole('button', { name: /^同意$|^Agree$/ }).click();
}

/** Sign in through the web app with the SMS code; returns when the photos page shows. */
export async function signIn(page, server, phone, { birthDate } = {}) {
  const e164 = '+86' + phone;
  await page.goto(server.base + '/#/login');
  // The first-use dialog, unless this browser agreed already.
  const dlg = page.getByRole('dialog', { name: /欢迎使用炫彩|Welcome/ });
  await dlg.or(page.getByLabel('手机号', { exact: true })).first().waitFor();
  if (await dlg.isVisible()) await dlg.getByRole('button', { name: /^同意$|^Agree$/ }).click();
  await page.getByLabel('手机号', { exact: true }).fill(phone);
  // §11: the separate tick for the phone number.
  await page.getByLabel(/单独同意收集我的手机号码/).check();
  const before = codesSent(server, e164);
  await page.getByRole('button', { name: '获取验证码' }).click();
  const code = await waitForCode(server, e164, before);
  await page.getByLabel('验证码', { exact: true }).fill(code);
  if (birthDate) await page.getByLabel('出生日期（选填）').fill(birthDate);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.waitForFunction(() => !location.hash.startsWith('#/login'));
}

export async function closeBrowser() {
  if (browser) await browser.close();
  browser = null;
}

/** The API as a client (for operators' actions the web app does not offer). */
export async function apiLogin(server, phone, e164) {
  const post = (p, b, h = {}) => fetch(server.base + p, { method: 'POST', headers: { 'content-type': 'application/json', ...h }, body: JSON.stringify(b) });
  const before = codesSent(server, e164);
  const docs = await (await fetch(server.base + '/api/v1/documents')).json();
  const agree = Object.fromEntries(docs.documents.filter((d) => ['user_agreement', 'privacy_policy'].includes(d.kind)).map((d) => [d.kind, d.current.version]));
  // CON-1: the code request carries the agreement.
  assert.equal((await post('/api/v1/auth/code', { phone, agree, sensitive: ['phone'] })).status, 202);
  const code = await waitForCode(server, e164, before);
  const r = await post('/api/v1/auth/login', { phone, code, agree, sensitive: ['phone'] });
  assert.equal(r.status, 200);
  const { token } = await r.json();
  return async (method, path, body) => {
    const res = await fetch(server.base + path, {
      method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}
