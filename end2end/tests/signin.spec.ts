// A server that asks people to sign in through a reverse proxy (`--auth
// proxy`): the proxy's headers name the person and their groups; the page
// shows who they are and offers only what their role may do; the server
// refuses the rest; admins manage tokens and read the audit trail.
import { test, expect, Page, Browser } from '@playwright/test';
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, up } from './spawned';

const shots = process.env.LOGDECK_E2E_SHOTS ?? 'screenshots';
const bin = process.env.LOGDECK_E2E_BIN ?? '../target/debug/logdeck';

let server: ChildProcess;
let base: string;
let data: string;

test.beforeAll(async () => {
  data = fs.mkdtempSync(path.join(os.tmpdir(), 'logdeck-signin-'));
  base = `http://127.0.0.1:${await freePort()}`;
  server = spawn(bin, [
    'serve', '--listen', base.slice('http://'.length), '--data-dir', data, '--sample-connections', '20',
    '--auth', 'proxy', '--trusted-proxy', '127.0.0.1', '--role', 'editor=qa', '--role', 'admin=ops',
  ], { env: { ...process.env, LOGDECK_LOG: 'warn' }, stdio: 'ignore' });
  await up(`${base}/readyz`);
});

test.afterAll(async () => {
  server.kill();
  fs.rmSync(data, { recursive: true, force: true });
});

/** A page whose requests the proxy signed: `user` in `groups`. */
async function as(browser: Browser, user: string, groups: string, size = { width: 1440, height: 900 }, scheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const ctx = await browser.newContext({
    baseURL: base,
    viewport: size,
    colorScheme: scheme,
    extraHTTPHeaders: { 'X-Forwarded-User': user, 'X-Forwarded-Groups': groups },
  });
  return ctx.newPage();
}

/** Runs the logdeck binary against the signed-in server. */
function program(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(bin, args, { env: { ...process.env, LOGDECK_SERVER: base, LOGDECK_TOKEN: '' } });
    let out = '';
    let err = '';
    p.stdout!.on('data', (d) => (out += d.toString()));
    p.stderr!.on('data', (d) => (err += d.toString()));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 20_000 });
}

async function firstRun(page: Page): Promise<number> {
  const runs = await (await page.request.get('/api/runs?limit=1')).json();
  return runs.rows[0].id;
}

test('nobody named by the proxy is refused, with what to do', async ({ request }) => {
  const page = await request.get(`${base}/`);
  expect(page.status()).toBe(401);
  expect((await page.json()).error).toMatch(/sign in through the proxy/);
  const api = await request.get(`${base}/api/runs`);
  expect(api.status()).toBe(401);
  // The bundle and health probes need no one.
  expect((await request.get(`${base}/healthz`)).status()).toBe(200);
});

test('a viewer reads everything but may not bookmark, retry or manage tokens', async ({ browser }) => {
  const page = await as(browser, 'vera', 'readers');
  const id = await firstRun(page);
  await page.goto(`/?run=${id}`);
  await hydrated(page);
  await expect(page.getByTestId('me')).toContainText('vera');
  await expect(page.getByTestId('me')).toContainText('viewer');
  await expect(page.getByTestId('detail')).toBeVisible();
  await expect(page.locator('.facts').first()).toBeVisible();
  await expect(page.getByTestId('bookmark')).toHaveCount(0);
  await expect(page.getByTestId('nav-admin')).toHaveCount(0);
  await page.getByTestId('analytics').getByRole('button', { name: 'Analytics' }).click();
  await expect(page.getByTestId('bookmarks')).toContainText('editors make them');
  const refused = await page.request.put(`/api/runs/${id}/bookmark`, { data: {} });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error).toBe('this needs the editor role; vera has the viewer role');
  expect((await page.request.get('/api/audit')).status()).toBe(403);
  await page.screenshot({ path: `${shots}/signed-in-viewer.png` });
  await page.context().close();
});

test('an editor bookmarks (recorded as theirs); an admin makes a token, shown once, and reads the audit trail', async ({ browser }) => {
  const editor = await as(browser, 'eddie', 'staff, qa');
  const id = await firstRun(editor);
  await editor.goto(`/?run=${id}`);
  await hydrated(editor);
  await expect(editor.getByTestId('me')).toContainText('editor');
  await editor.getByTestId('bookmark').click();
  await expect(editor.getByTestId('bookmark')).toContainText('Bookmarked');
  const marks = await (await editor.request.get('/api/bookmarks')).json();
  expect(marks.find((b: { run_id: number }) => b.run_id === id).created_by).toBe('eddie');
  // The bookmarks card says who made each.
  await editor.getByTestId('analytics').getByRole('button', { name: 'Analytics' }).click();
  await expect(editor.getByTestId('bookmarks')).toContainText('by eddie');
  await editor.context().close();

  for (const [size, scheme] of [[{ width: 1440, height: 900 }, 'light'], [{ width: 390, height: 844 }, 'dark']] as const) {
    const admin = await as(browser, 'ada', 'ops', size, scheme);
    await admin.goto('/');
    await hydrated(admin);
    await admin.getByTestId('nav-admin').click();
    await expect(admin).toHaveURL(/page=admin/);
    const name = `e2e-${scheme}`;
    await admin.getByTestId('token-name').fill(name);
    await admin.getByTestId('token-create').click();
    const made = admin.getByTestId('token-made');
    await expect(made).toContainText(name);
    const secret = (await made.locator('code').innerText()).trim();
    expect(secret).toMatch(/^ldk_[0-9a-f]{48}$/);
    await expect(admin.getByTestId('token').filter({ hasText: name })).toHaveCount(1);
    // The token works as a viewer's key, and its secret is not listed.
    const listed = await (await admin.request.get('/api/tokens')).text();
    expect(listed).not.toContain(secret);
    const withToken = await admin.request.get(`${base}/api/totals`, { headers: { Authorization: `Bearer ${secret}`, 'X-Forwarded-User': '' } });
    expect(withToken.status()).toBe(200);
    if (scheme === 'light') {
      // Programs keep working with it: run streams, tail reads (with the
      // token; without one it is told to sign in).
      const run = await program(['run', '--token', secret, '--', 'python3', '-c', 'print("hello from a signed-in server")']);
      expect(run.code).toBe(0);
      const id = /run (\d+) at/.exec(run.err)![1];
      const tail = await program(['tail', '--token', secret, id]);
      expect(tail.code).toBe(0);
      expect(tail.out).toBe('hello from a signed-in server\n');
      const anonymous = await program(['tail', id]);
      expect(anonymous.code).not.toBe(0);
      expect(anonymous.err).toContain('401');
    }
    // The audit trail: the editor's bookmark and this token, with who and from where.
    await admin.reload();
    await hydrated(admin);
    const audit = admin.getByTestId('audit');
    await expect(audit.getByTestId('audit-entry').filter({ hasText: 'eddie' }).filter({ hasText: 'bookmark' })).toHaveCount(1);
    await expect(audit.getByTestId('audit-entry').filter({ hasText: name })).toContainText('ada');
    await expect(audit.getByTestId('audit-entry').first()).toContainText('127.0.0.1');
    const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await admin.screenshot({ path: `${shots}/admin-${scheme}-${size.width}.png`, fullPage: true });
    await admin.context().close();
  }
});
