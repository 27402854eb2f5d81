import { test, expect, Page } from '@playwright/test';
import * as fs from 'fs';

const shots = process.env.LOGDECK_E2E_SHOTS ?? 'screenshots';
fs.mkdirSync(shots, { recursive: true });

type Run = {
  id: number; kind: string; username: string | null; client_log: string | null; server_log: string | null;
  client_state: string; server_state: string; errors: number | null; lines: number | null;
};

async function api<T>(page: Page, path: string): Promise<T> {
  const res = await page.request.get(path);
  expect(res.status(), path).toBe(200);
  return (await res.json()) as T;
}

async function runs(page: Page, query: string): Promise<Run[]> {
  return (await api<{ rows: Run[] }>(page, `/api/runs?${query}`)).rows;
}

async function hydrated(page: Page) {
  // The wasm bundle has loaded and taken over the server-rendered page.
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 20_000 });
}

const tableRows = (page: Page) => page.locator('table.runs tbody tr[data-connection]');

test('server renders the first rows; the table keeps only visible rows in the DOM', async ({ page }) => {
  const first = await runs(page, 'limit=30');
  const html = await (await page.request.get('/')).text();
  expect(html).toContain(`data-connection="${first[0].id}"`);
  expect(html).toMatch(/\/pkg\/logdeck\.[0-9a-f]{16}\.js/);

  const timing: string[] = [];
  await page.goto('/');
  await hydrated(page);
  await expect(tableRows(page).first()).toHaveAttribute('data-connection', String(first[0].id));
  const inDom = await tableRows(page).count();
  expect(inDom).toBeGreaterThan(10);
  expect(inDom).toBeLessThan(80);
  const totals = await api<{ connections: number }>(page, '/api/totals');
  await expect(page.getByTestId('totals')).toContainText(totals.connections.toLocaleString('en-US'));
  // Time to first paint and to hydrated, from the browser's own timing.
  const perf = await page.evaluate(() => ({
    firstContentfulPaint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    hydrated: performance.getEntriesByName('logdeck-hydrated')[0]?.startTime ?? null,
    domContentLoaded: performance.getEntriesByType('navigation')[0]
      ? (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).domContentLoadedEventEnd : null,
  }));
  timing.push(JSON.stringify(perf));
  fs.writeFileSync(`${shots}/page-load.json`, JSON.stringify(perf, null, 2));
  expect(perf.hydrated).not.toBeNull();
  await page.screenshot({ path: `${shots}/dashboard.png` });
});

test('scrolling loads at least three more pages, keeping the DOM small', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('/');
  await hydrated(page);
  const scroller = page.getByTestId('table-scroll');
  const loaded = async () => Number((await page.getByTestId('shown').innerText()).replace(/[^0-9]/g, ''));
  const start = await loaded();
  // The whole list's size beside what is loaded.
  const totals = await api<{ connections: number }>(page, '/api/totals');
  await expect(page.getByTestId('of-all')).toHaveText(`of ${totals.connections.toLocaleString('en-US')} runs`);
  for (let i = 0; i < 12 && (await loaded()) < start + 3 * 200; i++) {
    await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForTimeout(400);
  }
  expect(await loaded()).toBeGreaterThanOrEqual(start + 3 * 200);
  expect(await tableRows(page).count()).toBeLessThan(120);
  // The rows in view are the ones at that depth, in order.
  const ids = await tableRows(page).evaluateAll((trs) => trs.map((t) => Number(t.getAttribute('data-connection'))));
  const all = await runs(page, `limit=500`);
  expect(all.map((r) => r.id)).not.toContain(ids[ids.length - 1]);
  await page.screenshot({ path: `${shots}/scrolled.png` });
  expect(errors).toEqual([]);
});

test('search finds a user whose rows were never loaded', async ({ page }) => {
  const deep = 'deep.user.12345@archive.example.org';
  await page.goto('/');
  await hydrated(page);
  await expect(page.locator(`tr[data-connection="912345"]`)).toHaveCount(0);
  await page.keyboard.press('/');
  await expect(page.getByTestId('search')).toBeFocused();
  await page.keyboard.type('USER.12345@');
  await expect(page.locator('tr[data-connection="912345"]')).toHaveCount(1);
  await expect(tableRows(page)).toHaveCount(1);
  await expect(page.locator('tr[data-connection="912345"]')).toContainText(deep);
  expect(page.url()).toContain('user=USER.12345');
});

test('selecting a run shows four charts with data, error counts and the crosshair', async ({ page }) => {
  const both = (await runs(page, 'limit=500')).find((r) => r.client_state === 'indexed' && r.server_state === 'indexed')!;
  expect(both).toBeTruthy();
  await page.goto(`/?user=${encodeURIComponent(both.username ?? '')}`);
  await hydrated(page);
  await page.locator(`tr[data-connection="${both.id}"] .row-link`).click();
  await expect(page).toHaveURL(new RegExp(`run=${both.id}`));
  const detail = page.getByTestId('detail');
  const canvases = detail.locator('canvas');
  await expect(canvases).toHaveCount(4);
  for (let i = 0; i < 4; i++) {
    await expect(canvases.nth(i)).toHaveAttribute('data-draw-ms', /.+/);
    expect(Number(await canvases.nth(i).getAttribute('data-points'))).toBeGreaterThan(0);
  }
  // Error counts match the API.
  const d = await api<{ logs: { summary: { errors: number } | null }[] }>(page, `/api/runs/${both.id}`);
  await expect(page.getByTestId('client-errors')).toContainText(`${d.logs[0].summary!.errors.toLocaleString('en-US')} errors`);
  await expect(page.getByTestId('server-errors')).toContainText(`${d.logs[1].summary!.errors.toLocaleString('en-US')} errors`);
  // Hovering one chart shows values on every chart at the same time.
  const box = (await canvases.nth(0).boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4);
  await expect(detail.locator('.crosshair')).toHaveCount(4);
  await expect(detail.getByTestId('hover-value').first()).toContainText('ms');
  // Dragging zooms every chart; reset restores.
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.4, { steps: 5 });
  await page.mouse.up();
  await expect(page).toHaveURL(/zoom=/);
  await expect(page.getByTestId('reset-zoom')).toBeVisible();
  await page.screenshot({ path: `${shots}/run-detail.png` });
  await page.getByTestId('reset-zoom').click();
  await expect(page).not.toHaveURL(/zoom=/);
});

/** A connection whose client and server logs are indexed, with latency and
 * encode-time points, and whose logs started at least `apart` seconds apart. */
async function chartedRun(page: Page, apart: number): Promise<{ id: number; total: number }> {
  type Detail = { logs: { name: string; summary: { started_s: number | null; lines: number } | null }[] };
  for (const r of (await runs(page, 'limit=500')).filter((r) => r.client_state === 'indexed' && r.server_state === 'indexed')) {
    const d = await api<Detail>(page, `/api/runs/${r.id}`);
    const [c, s] = [d.logs.find((l) => l.name === 'client')!.summary!, d.logs.find((l) => l.name === 'server')!.summary!];
    if (c.started_s == null || s.started_s == null || Math.abs(c.started_s - s.started_s) < apart) continue;
    const lat = await api<{ total: number }>(page, `/api/runs/${r.id}/logs/client/series?metric=latency&width=10`);
    const enc = await api<{ total: number }>(page, `/api/runs/${r.id}/logs/server/series?metric=encode_time&width=10`);
    if (lat.total > 20 && enc.total > 20) return { id: r.id, total: c.lines };
  }
  throw new Error('no run with both logs charted');
}

test('a chart point opens its log at that line, on one clock for client and server', async ({ page }) => {
  const { id } = await chartedRun(page, 3);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`/?run=${id}`);
  await hydrated(page);
  await expect(page.getByTestId('charts')).toContainText('UTC');
  for (const [chart, log, prefix] of [['chart-latency', 'client', 'Latency:'], ['chart-encode-time', 'server', 'Average Encode Time:']]) {
    const canvas = page.getByTestId(chart).locator('canvas');
    await expect(canvas).toHaveAttribute('data-draw-ms', /.+/);
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const at = { x: box.x + box.width * 0.55, y: box.y + box.height * 0.5 };
    await page.mouse.move(at.x, at.y);
    // The hover shows a time of day; the line the click opens was written then.
    const hover = page.getByTestId(chart).getByTestId('hover-value');
    await expect(hover).toHaveText(/^\d\d:\d\d:\d\d\.\d /);
    const clock = (await hover.innerText()).slice(0, 8);
    await page.mouse.click(at.x, at.y);
    await expect(page).toHaveURL(new RegExp(`log=${log}.*line=\\d+|line=\\d+.*log=${log}`));
    const line = page.getByTestId('logview').locator('.line.selected');
    await expect(line).toBeVisible();
    await expect(line).toContainText(prefix);
    expect((await line.locator('.text').innerText()).slice(0, 8), `${chart} at ${clock}`).toBe(clock);
  }
  await page.screenshot({ path: `${shots}/chart-to-line.png` });
  // By keyboard: focus a chart, step to a point, Enter.
  const canvas = page.getByTestId('chart-latency').locator('canvas');
  await canvas.focus();
  await page.mouse.move(0, 0);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('chart-latency').getByTestId('hover-value')).toHaveText(/^\d\d:\d\d:\d\d/);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/log=client/);
  await expect(page.getByTestId('logview').locator('.line.selected')).toContainText('Latency:');
  // Zoomed, the statistics are those of the window.
  const count = page.getByTestId('chart-latency').locator('..').getByTestId('chart-count');
  const before = Number((await count.innerText()).replace(/,/g, ''));
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + 20);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.45, box.y + 20, { steps: 5 });
  await page.mouse.up();
  await expect(page).toHaveURL(/zoom=/);
  await expect(page.getByTestId('reset-zoom')).toHaveText(/\d\d:\d\d:\d\d – \d\d:\d\d:\d\d/);
  await expect.poll(async () => Number((await count.innerText()).replace(/,/g, ''))).toBeLessThan(before);
});

test('a line past the end says so and leads to the last line; End jumps there', async ({ page }) => {
  const { id } = await chartedRun(page, 0);
  await page.goto(`/?run=${id}&log=client&line=99999999`);
  await hydrated(page);
  const past = page.getByTestId('past-end');
  await expect(past).toContainText('Line 99,999,999 is past the end');
  await past.getByRole('button').click();
  const selected = page.getByTestId('logview').locator('.line.selected');
  await expect(selected).toBeVisible();
  const last = Number(await selected.getAttribute('data-line'));
  expect(last).toBeGreaterThan(1);
  await page.goto(`/?run=${id}&log=client`);
  await hydrated(page);
  await expect(page.getByTestId('logview').locator('.line').first()).toBeVisible();
  await page.getByTestId('to-end').click();
  await expect(page.getByTestId('logview').locator('.line.selected')).toHaveAttribute('data-line', String(last));
  await expect(page.getByTestId('logview').locator('.line.selected')).toBeInViewport();
});

test('a run without a client log says so instead of charting', async ({ page }) => {
  // A connection (a task run has no client log either, and says other things).
  const noClient = (await runs(page, 'limit=500&missing=client')).find((r) => r.kind !== 'task')!;
  await page.goto('/?missing=client');
  await hydrated(page);
  await page.locator(`tr[data-connection="${noClient.id}"] .row-link`).click();
  await expect(page.getByTestId('missing-client')).toHaveCount(2);
  await expect(page.getByTestId('missing-client').first()).toContainText('No client log for this connection');
  const none = page.locator(`tr[data-connection="${noClient.id}"] .absent`).first();
  await expect(none).toHaveText('none');
  await expect(none).toHaveAttribute('title', /did not upload one/);
  // The panel says it as quietly.
  await expect(page.getByTestId('client-absent')).toHaveText('none');
  await page.screenshot({ path: `${shots}/missing-client.png` });
});

test('a copied URL restores the same view after reload', async ({ page, context }) => {
  const withClient = (await runs(page, 'limit=500')).find((r) => r.client_state === 'indexed')!;
  await page.goto('/');
  await hydrated(page);
  await page.getByTestId('chip-errors').click();
  await page.getByTestId('sort').selectOption('errors');
  await page.goto(`/?run=${withClient.id}&log=client&line=5&sort=errors&has_errors=1`);
  await hydrated(page);
  await expect(page.locator('.line.selected')).toHaveAttribute('data-line', '5');
  const url = page.url();
  const again = await context.newPage();
  await again.goto(url);
  await hydrated(again);
  await expect(again.getByTestId('chip-errors')).toHaveAttribute('aria-pressed', 'true');
  await expect(again.getByTestId('sort')).toHaveValue('errors');
  await expect(again.getByTestId('detail')).toContainText(`Connection ${withClient.id}`);
  await expect(again.locator('.line.selected')).toHaveAttribute('data-line', '5');
  // Back returns to the previous state.
  await page.goBack();
  await expect(page).not.toHaveURL(/line=5/);
});

test('log text with HTML in it is shown as text, never run', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.goto('/?run=990001&log=client');
  await hydrated(page);
  const line = page.locator('.line[data-line="2"]');
  await expect(line).toContainText('<script>window.__pwned = 1</script><b>bold</b> &amp;');
  expect(await line.locator('script, b').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
  await page.screenshot({ path: `${shots}/hostile-log.png` });
});

test('keyboard: j/k move, Enter opens the log, Esc closes', async ({ page }) => {
  const first = await runs(page, 'limit=3');
  await page.goto('/');
  await hydrated(page);
  await page.keyboard.press('j');
  await expect(page).toHaveURL(new RegExp(`run=${first[0].id}`));
  await page.keyboard.press('j');
  await expect(page).toHaveURL(new RegExp(`run=${first[1].id}`));
  await page.keyboard.press('k');
  await expect(page).toHaveURL(new RegExp(`run=${first[0].id}`));
  await page.keyboard.press('Escape');
  await expect(page).not.toHaveURL(/run=/);
});

// A measurement, not a timed assertion: the figure is printed and saved for
// the report; the test fails only if the chart cannot be drawn at all.
test('chart benchmark: 10,000 points per chart', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  const ms = await page.evaluate(async () => {
    // The module the page loaded (its name carries the bundle's hash).
    const src = document.querySelector('link[rel=modulepreload]')!.getAttribute('href')!;
    const m = await import(src);
    m.benchChart(10000, 3); // warm up
    return m.benchChart(10000, 20) as number;
  });
  fs.writeFileSync(`${shots}/chart-bench.json`, JSON.stringify({ points: 10000, mean_ms: ms }, null, 2));
  console.log(`chart: 10,000 points drawn in ${ms.toFixed(2)} ms (mean of 20; target < 16 ms)`);
  expect(Number.isFinite(ms) && ms > 0).toBe(true);
});

test('unknown address gives a 404 page', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response!.status()).toBe(404);
  await expect(page.locator('h1')).toHaveText('Not found');
});

test('an address with values the page does not understand says which it ignored', async ({ page }) => {
  await page.goto('/?sort=bogus&run=abc&has_errors=1');
  await hydrated(page);
  const notice = page.getByTestId('ignored-params');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('sort=bogus');
  await expect(notice).toContainText('expected an order: newest, oldest, errors or latency_p95');
  await expect(notice).toContainText('run=abc');
  await expect(notice).not.toContainText('has_errors');
  // What it understood still applies.
  await expect(page.getByTestId('chip-errors')).toHaveAttribute('aria-pressed', 'true');
  await page.screenshot({ path: `${shots}/ignored-params.png` });
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect(notice).toHaveCount(0);
  await page.goto('/?sort=oldest');
  await hydrated(page);
  await expect(page.getByTestId('ignored-params')).toHaveCount(0);
});
