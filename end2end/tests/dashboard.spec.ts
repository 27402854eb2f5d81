import { test, expect, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

// The inventory the server under test generated (its data dir is passed in).
function inventory(): Array<{ connection_id: number; username: string | null; client_logs: string | null }> {
  const dir = process.env.LOGDECK_E2E_DATA;
  if (!dir) throw new Error('LOGDECK_E2E_DATA is not set (run the tests through ../test.sh)');
  return JSON.parse(fs.readFileSync(path.join(dir, 'inventory.json'), 'utf8'));
}

const shots = process.env.LOGDECK_E2E_SHOTS ?? 'test-results/screenshots';

async function hydrated(page: Page) {
  // The wasm bundle has loaded and taken over the server-rendered page.
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 15_000 });
}

test('server renders the dashboard with rows from the sample corpus', async ({ page }) => {
  const inv = inventory();
  // Render without scripts: the rows must come from the server.
  const response = await page.request.get('/');
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html).toContain(`data-connection="${inv[0].connection_id}"`);
  expect(html).toContain('/pkg/logdeck.js');

  await page.goto('/');
  const rows = page.locator('table.runs tbody tr[data-connection]');
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toHaveAttribute('data-connection', String(inv[0].connection_id));
  await expect(rows.nth(49)).toHaveAttribute('data-connection', String(inv[49].connection_id));
  await expect(page.getByTestId('totals')).toContainText(inv.length.toLocaleString('en-US'));
  await page.screenshot({ path: `${shots}/dashboard.png`, fullPage: false });
});

test('hydrates: loading more appends the next page', async ({ page }) => {
  const inv = inventory();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('/');
  await hydrated(page);
  const rows = page.locator('table.runs tbody tr[data-connection]');
  await expect(rows).toHaveCount(50);
  await page.getByTestId('load-more').click();
  await expect(rows).toHaveCount(100);
  await expect(rows.nth(50)).toHaveAttribute('data-connection', String(inv[50].connection_id));
  await expect(page.getByTestId('shown')).toHaveText('100 shown');
  await page.getByTestId('load-more').click();
  await expect(rows).toHaveCount(150);
  await page.screenshot({ path: `${shots}/load-more.png` });
  expect(errors).toEqual([]);
});

test('missing logs show a badge, present ones a link that serves the log', async ({ page }) => {
  const inv = inventory().slice(0, 50);
  await page.goto('/');
  const noClient = inv.find((c) => c.client_logs === null)!;
  const withClient = inv.find((c) => c.client_logs !== null);
  const row = page.locator(`tr[data-connection="${noClient.connection_id}"]`);
  await expect(row.locator('.badge.missing').first()).toHaveText('missing');
  if (withClient) {
    const link = page.locator(`tr[data-connection="${withClient.connection_id}"] a.log-link`).first();
    const href = await link.getAttribute('href');
    const log = await page.request.get(href!);
    expect(log.status()).toBe(200);
  }
});

test('unknown address gives a 404 page', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response!.status()).toBe(404);
  await expect(page.locator('h1')).toHaveText('Not found');
});
