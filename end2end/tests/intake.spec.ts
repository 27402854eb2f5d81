// New sessions arriving by themselves, seen in the page: a server polling
// an inventory URL (served here, with real ETags) and taking pushed
// entries; a newest-first list offers "N new sessions" without moving the
// rows being read; a search counts its own new matches; logs named but not
// uploaded yet show as such; the jobs panel shows the source.
import { test, expect, Page, Browser } from '@playwright/test';
import { spawn, execFileSync, ChildProcess } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { freePort, up } from './spawned';

const shots = process.env.LOGDECK_E2E_SHOTS ?? 'screenshots';
const bin = process.env.LOGDECK_E2E_BIN ?? '../target/debug/logdeck';

let server: ChildProcess;
let origin: http.Server;
let base: string;
let data: string;
let token: string;
/** What the inventory URL serves; changed by the tests. */
let inventory = '';
let notModified = 0;

/** `MM/DD/YYYY, HH:MM` in UTC, `minutes` from now. */
function stamp(minutes: number): string {
  const d = new Date(Date.now() + minutes * 60_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()}, ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

function entry(id: number, user: string, minutes: number): string {
  return JSON.stringify({
    connection_id: id, username: user, ip: '10.20.30.40', last_updated: stamp(minutes),
    version: 'V2026.12', client_logs: null, server_logs: `late/server${id}.txt`,
  });
}

test.beforeAll(async () => {
  data = fs.mkdtempSync(path.join(os.tmpdir(), 'logdeck-intake-'));
  origin = http.createServer((req, res) => {
    const etag = `"${crypto.createHash('sha256').update(inventory).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      notModified++;
      res.writeHead(304).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', ETag: etag }).end(inventory);
  });
  const originPort = await freePort();
  await new Promise<void>((r) => origin.listen(originPort, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${await freePort()}`;
  // The first start makes the sample; the token needs the catalog it makes.
  execFileSync(bin, ['sample', '--quiet', '--connections', '150', '--out', data]);
  execFileSync(bin, ['import', '--quiet', '--data-dir', data, path.join(data, 'inventory.json')]);
  token = execFileSync(bin, ['token', 'create', 'svc', '--scope', 'inventory', '--data-dir', data], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  server = spawn(bin, [
    'serve', '--listen', base.slice('http://'.length), '--data-dir', data,
    '--source', `1s:http://127.0.0.1:${originPort}/inventory.jsonl`,
  ], { env: { ...process.env, LOGDECK_LOG: 'warn' }, stdio: 'ignore' });
  await up(`${base}/readyz`);
});

test.afterAll(async () => {
  server?.kill();
  origin?.close();
  fs.rmSync(data, { recursive: true, force: true });
});

async function open(browser: Browser, url: string, size = { width: 1440, height: 900 }, scheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await (await browser.newContext({ baseURL: base, viewport: size, colorScheme: scheme })).newPage();
  await page.goto(url);
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 20_000 });
  return page;
}

// The tests build on each other's sessions.
test.describe.configure({ mode: 'serial' });

test('sessions from the inventory URL are offered above the list without moving the rows being read', async ({ browser }) => {
  const page = await open(browser, '/');
  const scroller = page.getByTestId('table-scroll');
  await scroller.evaluate((el) => el.scrollTo(0, 34 * 20));
  await expect.poll(() => scroller.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
  await page.waitForTimeout(300);
  const before = await scroller.evaluate((el) => el.scrollTop);
  // The first row wholly below the table's sticky head.
  const topRowId = async () => page.evaluate(() => {
    const s = document.querySelector('[data-testid="table-scroll"]')!;
    const head = s.querySelector('thead')!.getBoundingClientRect().bottom;
    const rows = [...s.querySelectorAll('tr[data-connection]')];
    return rows.find((r) => r.getBoundingClientRect().top >= head - 1)?.getAttribute('data-connection');
  });
  const reading = await topRowId();
  expect(reading).toBeTruthy();
  await expect(page.getByTestId('new-runs')).toHaveCount(0);

  inventory = [entry(880001, 'newcomer1@example.org', 1), entry(880002, 'newcomer2@example.org', 2), entry(880003, 'carol@example.org', 3)].join('\n') + '\n';
  const offer = page.getByTestId('new-runs');
  await expect(offer).toHaveText(/3 new sessions/, { timeout: 20_000 });
  await page.screenshot({ path: `${shots}/new-sessions.png` });
  // The rows being read stay where they are; the new ones are above them.
  expect(await topRowId()).toBe(reading);
  await offer.click();
  await expect(offer).toHaveCount(0);
  await expect.poll(() => scroller.evaluate((el) => el.scrollTop)).toBeGreaterThanOrEqual(before + 3 * 34 - 1);
  expect(await topRowId()).toBe(reading);
  await scroller.evaluate((el) => el.scrollTo(0, 0));
  const first = page.locator('table.runs tbody tr[data-connection]').first();
  await expect(first).toHaveAttribute('data-connection', '880003');
  // Unchanged, the inventory costs a 304 a poll.
  const seen = notModified;
  await expect.poll(() => notModified, { timeout: 10_000 }).toBeGreaterThan(seen);
});

test('a logged-late session shows as not yet uploaded, and the source in the jobs panel', async ({ browser }) => {
  test.setTimeout(60_000);
  for (const [size, scheme, name] of [[{ width: 1440, height: 900 }, 'light', 'desktop-light'], [{ width: 390, height: 844 }, 'dark', 'phone-dark']] as const) {
    const page = await open(browser, '/', size, scheme);
    const row = page.locator('tr[data-connection="880003"]');
    await expect(row.getByTestId('awaited')).toHaveText('not yet uploaded', { timeout: 20_000 });
    const source = page.getByTestId('indexing').getByTestId('source');
    await expect(source).toContainText('/inventory.jsonl');
    await expect(source).toContainText(/3 entries, 3 new/);
    if (await source.isVisible()) await source.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shots}/intake-${name}.png`, fullPage: size.width < 500 });
    await page.goto('/?run=880003');
    await expect(page.getByTestId('server-awaited')).toHaveText('not yet uploaded');
    await page.screenshot({ path: `${shots}/awaited-detail-${name}.png` });
    await page.context().close();
  }
});

test('pushed entries reach an open search, which counts its own new matches', async ({ browser, request }) => {
  const page = await open(browser, '/?user=newcomer');
  await expect(page.locator('table.runs tbody tr[data-connection]')).toHaveCount(2);
  const lines = [entry(880010, 'newcomer10@example.org', 4), entry(880011, 'dave@example.org', 5), '{"connection_id": "bad"}'].join('\n');
  const res = await request.post(`${base}/api/inventory`, {
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-ndjson' },
    data: lines,
  });
  expect(res.status()).toBe(200);
  const report = await res.json();
  expect(report.added).toBe(2);
  expect(report.skipped).toEqual([{ line: 3, reason: expect.stringContaining('bad') }]);
  const offer = page.getByTestId('new-runs');
  await expect(offer).toHaveText(/1 new session\b/, { timeout: 20_000 });
  await offer.click();
  await expect(page.locator('table.runs tbody tr[data-connection]').first()).toHaveAttribute('data-connection', '880010');
  // The token may only send entries.
  const stream = await request.post(`${base}/api/live/runs`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { name: 'not allowed' },
  });
  expect(stream.status()).toBe(403);
  expect((await stream.json()).error).toMatch(/may only send inventory entries/);
});
