// Sign-in with a real OpenID Connect provider (oidc-provider under Node.js,
// started here): the page sends people to its sign-in page and back; a
// viewer reads but is refused an editor's action; sign-out ends the session
// here and at the provider and sends them back to sign in; replayed and
// forged sign-ins are refused and recorded.
import { test, expect, Page, Browser } from '@playwright/test';
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, up } from './spawned';
import * as crypto from 'crypto';

const shots = process.env.LOGDECK_E2E_SHOTS ?? 'screenshots';
const bin = process.env.LOGDECK_E2E_BIN ?? '../target/debug/logdeck';

let provider: ChildProcess;
let server: ChildProcess;
let base: string;
let issuer: string;
let data: string;

test.beforeAll(async () => {
  data = fs.mkdtempSync(path.join(os.tmpdir(), 'logdeck-oidc-'));
  const [pp, lp] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${lp}`;
  // The provider on another host name than the dashboard: their cookies
  // are apart, as on two machines.
  issuer = `http://localhost:${pp}`;
  const secret = crypto.randomBytes(24).toString('hex');
  provider = spawn('node', [path.join(__dirname, '..', 'oidc', 'provider.mjs'), String(pp), secret, base], { stdio: 'ignore' });
  await up(`${issuer}/.well-known/openid-configuration`);
  server = spawn(bin, [
    'serve', '--listen', `127.0.0.1:${lp}`, '--data-dir', data, '--sample-connections', '20',
    '--auth', 'oidc', '--oidc-issuer', issuer, '--oidc-client-id', 'logdeck', '--public-url', base,
    '--role', 'editor=qa', '--role', 'admin=ops',
  ], { env: { ...process.env, LOGDECK_LOG: 'warn', LOGDECK_OIDC_CLIENT_SECRET: secret }, stdio: 'ignore' });
  await up(`${base}/readyz`);
});

test.afterAll(async () => {
  server.kill();
  provider.kill();
  fs.rmSync(data, { recursive: true, force: true });
});

async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 20_000 });
}

/** Signs in at the provider's own page as `name` (any password), then
 * grants the dashboard what it asks for. */
async function signIn(page: Page, name: string) {
  await expect(page).toHaveURL(new RegExp(`^${issuer}/`));
  await page.locator('input[name="login"]').fill(name);
  await page.locator('input[name="password"]').fill('any');
  await page.locator('button[type="submit"]').first().click();
  // The consent prompt, the first time.
  const consent = page.locator('button[type="submit"]', { hasText: /continue|authorize|allow/i });
  if (await consent.count()) await consent.first().click();
  await expect(page).toHaveURL(new RegExp(`^${base}/`));
}

async function fresh(browser: Browser): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  return ctx.newPage();
}

test('a viewer signs in at the provider, reads, is refused an editor action, signs out and is sent back to sign in', async ({ browser }) => {
  const page = await fresh(browser);
  await page.goto(`${base}/?sort=oldest`);
  await signIn(page, 'vera');
  // Back where they were going.
  await expect(page).toHaveURL(`${base}/?sort=oldest`);
  await hydrated(page);
  await expect(page.getByTestId('me')).toContainText('vera');
  await expect(page.getByTestId('me')).toContainText('viewer');
  await expect(page.locator('tr[data-connection]').first()).toBeVisible();
  // The session's cookie cannot be read by scripts and stays on this site.
  const cookie = (await page.context().cookies(base)).find((c) => c.name === 'logdeck_session')!;
  expect(cookie.httpOnly).toBe(true);
  expect(cookie.sameSite).toBe('Lax');
  // The page's API calls carry the session; an editor's action does not pass.
  const id = Number(await page.locator('tr[data-connection]').first().getAttribute('data-connection'));
  await page.locator('tr[data-connection]').first().click();
  await expect(page.getByTestId('detail')).toBeVisible();
  await expect(page.getByTestId('bookmark')).toHaveCount(0);
  const refused = await page.request.put(`${base}/api/runs/${id}/bookmark`, { data: {} });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error).toContain('needs the editor role; vera has the viewer role');
  await page.screenshot({ path: `${shots}/oidc-viewer.png` });

  // Sign out: here, then at the provider, then a page that says so.
  await page.getByTestId('sign-out').click();
  await page.waitForURL(new RegExp(`^${issuer}/`));
  await page.locator('button[value="yes"]').click();
  await expect(page).toHaveURL(`${base}/auth/signed-out`);
  await expect(page.getByTestId('auth-message')).toContainText('signed out');
  expect((await page.request.get(`${base}/api/runs`)).status()).toBe(401);
  // Back to the dashboard: back to the provider's sign-in.
  await page.goto(`${base}/`);
  await expect(page).toHaveURL(new RegExp(`^${issuer}/`));
  await expect(page.locator('input[name="login"]')).toBeVisible();
  await page.context().close();
});

test('replayed and forged sign-ins are refused and recorded; an admin reads the audit trail', async ({ browser }) => {
  // A sign-in's answer used twice: the second has no sign-in to finish.
  const page = await fresh(browser);
  let callback = '';
  page.on('request', (r) => {
    if (r.url().startsWith(`${base}/auth/callback`)) callback = r.url();
  });
  await page.goto(`${base}/`);
  await signIn(page, 'eddie');
  await hydrated(page);
  await expect(page.getByTestId('me')).toContainText('editor');
  expect(callback).toContain('code=');
  const replay = await page.goto(callback);
  expect(replay!.status()).toBe(401);
  await expect(page.getByTestId('auth-message')).toContainText('not started here');
  await page.context().close();

  // A made-up session cookie is no one's.
  const forged = await fresh(browser);
  await forged.context().addCookies([{ name: 'logdeck_session', value: crypto.randomBytes(32).toString('base64url'), url: base }]);
  expect((await forged.request.get(`${base}/api/runs`)).status()).toBe(401);
  await forged.goto(`${base}/`);
  await expect(forged).toHaveURL(new RegExp(`^${issuer}/`));
  await forged.context().close();

  // A callback with a state of its own (a login CSRF attempt) is refused.
  const csrf = await fresh(browser);
  const res = await csrf.goto(`${base}/auth/callback?code=stolen&state=mine`);
  expect(res!.status()).toBe(401);
  await csrf.context().close();

  const admin = await fresh(browser);
  await admin.goto(`${base}/?page=admin`);
  await signIn(admin, 'ada');
  await hydrated(admin);
  await expect(admin.getByTestId('me')).toContainText('admin');
  const entries = admin.getByTestId('audit-entry');
  await expect(entries.filter({ hasText: 'sign-in.failed' })).toHaveCount(2);
  await expect(entries.filter({ hasText: 'eddie' }).filter({ hasText: 'sign-in' }).first()).toBeVisible();
  await expect(entries.filter({ hasText: 'vera' }).filter({ hasText: 'sign-out' })).toHaveCount(1);
  await admin.screenshot({ path: `${shots}/oidc-admin.png` });
  await admin.context().close();
});
