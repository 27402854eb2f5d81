// Reading logs: the layout, links that land, state that agrees, the page
// before the app starts and phones (the log beside the table is
// split.spec.ts's; the first load and accessibility access.spec.ts's).
import { test, expect, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { shots, Run, api, runs, hydrated, tableRows, longClientLog } from './common';

test.describe('links that land', () => {
  test('Download saves the log instead of showing "Not found"', async ({ page }) => {
    const { run } = await longClientLog(page);
    await page.goto(`/?run=${run.id}&log=client`);
    await hydrated(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-log').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\S/);
    const saved = await download.path();
    expect(fs.statSync(saved!).size).toBeGreaterThan(0);
    await expect(page.locator('h1', { hasText: 'Not found' })).toHaveCount(0);
    await expect(page.getByTestId('logview')).toBeVisible();
  });

  test('a line permalink from a cold load centres and highlights its line', async ({ page }) => {
    const { run, lines } = await longClientLog(page);
    expect(lines).toBeGreaterThan(200);
    const line = Math.floor(lines * 0.6);
    await page.goto(`/?run=${run.id}&log=client&line=${line}`);
    await hydrated(page);
    const selected = page.locator(`.line.selected[data-line="${line}"]`);
    await expect(selected).toBeVisible();
    const box = (await selected.boundingBox())!;
    const view = (await page.locator('.lines').boundingBox())!;
    // Inside the viewer, near its middle.
    expect(box.y).toBeGreaterThanOrEqual(view.y);
    expect(box.y + box.height).toBeLessThanOrEqual(view.y + view.height);
    expect(Math.abs(box.y + box.height / 2 - (view.y + view.height / 2))).toBeLessThan(view.height / 4);
    // And the viewer itself is on screen.
    const vp = page.viewportSize()!;
    expect(view.y).toBeLessThan(vp.height);
    await page.screenshot({ path: `${shots}/permalink.png` });
  });

  test('column headers sort, and the latency shown is the one sorted by', async ({ page }) => {
    await page.goto('/');
    await hydrated(page);
    await page.locator('th.k-lat a').click();
    await expect(page).toHaveURL(/sort=latency_p95/);
    await expect(page.locator('th.k-lat')).toContainText('p95 latency');
    await expect(page.locator('th.k-lat')).toHaveAttribute('aria-sort', 'descending');
    const top = await runs(page, 'limit=5&sort=latency_p95');
    await expect(tableRows(page).first()).toHaveAttribute('data-connection', String(top[0].id));
    const shown = await tableRows(page).locator('[data-testid="latency"]').evaluateAll((tds) =>
      tds.slice(0, 5).map((td) => td.textContent ?? ''));
    const asMs = (t: string) => Number(t.replace(/[^0-9.]/g, ''));
    for (let i = 1; i < shown.length; i++) expect(asMs(shown[i])).toBeLessThanOrEqual(asMs(shown[i - 1]));
    expect(asMs(shown[0])).toBeCloseTo(top[0].latency_p95! * 1000, 0);
    // The time header: newest, then oldest.
    await page.locator('th.k-time a').click();
    await expect(page).not.toHaveURL(/sort=/);
    await page.locator('th.k-time a').click();
    await expect(page).toHaveURL(/sort=oldest/);
    await expect(page.locator('th.k-time')).toHaveAttribute('aria-sort', 'ascending');
  });
});

test.describe('export', () => {
  test('the table view downloads as CSV and JSON Lines, every row', async ({ page }) => {
    test.setTimeout(120_000);
    const totals = await api<{ connections: number }>(page, '/api/totals');
    await page.goto('/');
    await hydrated(page);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    expect(csv.suggestedFilename()).toBe('logdeck-runs.csv');
    const text = fs.readFileSync((await csv.path())!, 'utf8');
    const rows = text.split('\n').filter((l) => /^\d+,/.test(l));
    expect(text.startsWith('id,kind,status,')).toBe(true);
    // Every run (task runs from other tests may have been added since).
    expect(rows.length).toBeGreaterThanOrEqual(totals.connections);
    // The filters go with it.
    await page.getByTestId('chip-errors').click();
    await expect(page).toHaveURL(/has_errors=1/);
    const withErrors: number[] = [];
    for (let q = 'has_errors=true&limit=500'; ;) {
      const p = await api<{ rows: Run[]; next: string | null }>(page, `/api/runs?${q}`);
      withErrors.push(...p.rows.map((r) => r.id));
      if (!p.next) break;
      q = `has_errors=true&limit=500&after=${encodeURIComponent(p.next)}`;
    }
    const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-jsonl').click()]);
    const lines = fs.readFileSync((await jsonl.path())!, 'utf8').split('\n').filter((l) => l);
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(withErrors);
  });
});

test.describe('indexing status', () => {
  test('failures show with their reason, and Retry queues the log again', async ({ page }) => {
    test.setTimeout(90_000);
    const data = process.env.LOGDECK_E2E_DATA;
    const bin = process.env.LOGDECK_E2E_BIN ?? '../target/release/logdeck';
    expect(data, 'LOGDECK_E2E_DATA names the corpus the server reads').toBeTruthy();
    // A run whose client log lies outside every store: its indexing fails.
    const id = 990077;
    const file = path.join(data!, 'failing.jsonl');
    fs.writeFileSync(file, JSON.stringify({ connection_id: id, ip: '10.9.8.7', client_logs: '../outside-the-store.txt', server_logs: null }) + '\n');
    const { execFileSync } = await import('child_process');
    execFileSync(bin, ['import', '--quiet', '--data-dir', data!, file]);
    await expect.poll(async () => (await api<{ failed: number }>(page, '/api/jobs')).failed, { timeout: 30_000 }).toBeGreaterThan(0);
    await page.goto('/');
    await hydrated(page);
    const card = page.getByTestId('indexing');
    const failure = card.getByTestId('failure').filter({ hasText: `${id} client` });
    await expect(failure).toBeVisible();
    await expect(failure.locator('.reason')).toHaveText(/invalid log location|not in a configured log store/);
    const failedBefore = Number((await card.getByTestId('jobs-failed').innerText()).replace(/[^0-9]/g, ''));
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/runs/${id}/logs/client/retry`) && r.status() === 202),
      failure.getByTestId('retry').click(),
    ]);
    // Queued again (the count drops) and, the file being no better, failed again.
    await expect.poll(async () => {
      const d = await api<{ logs: { state: string }[] }>(page, `/api/runs/${id}`);
      return d.logs[0].state;
    }, { timeout: 30_000 }).toBe('failed');
    await expect(card.getByTestId('jobs-failed')).toHaveText(`${failedBefore} failed`, { timeout: 15_000 });
    await page.screenshot({ path: `${shots}/indexing.png` });
    // The run's panel offers the retry too, beside the reason. Within 10 s of
    // the last retry the server says to wait; after that it queues again.
    await page.goto(`/?run=${id}`);
    await hydrated(page);
    const retry = page.getByTestId('retry-client');
    await expect(retry).toBeVisible();
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/runs/${id}/logs/client/retry`)),
      retry.click(),
    ]);
    expect([202, 429]).toContain(res.status());
    const said = res.status() === 202 ? 'queued again' : 'retried less than 10 s ago';
    await expect(page.locator('.log-count', { hasText: 'client log' })).toContainText(said);
    await page.screenshot({ path: `${shots}/retry-in-panel.png` });
  });

  test('a connection with no logs says so, without empty charts or an empty "Open a log"', async ({ page }) => {
    const data = process.env.LOGDECK_E2E_DATA;
    const bin = process.env.LOGDECK_E2E_BIN ?? '../target/release/logdeck';
    const id = 990078;
    const file = path.join(data!, 'no-logs.jsonl');
    fs.writeFileSync(file, JSON.stringify({ connection_id: id, ip: '10.9.8.6', client_logs: null, server_logs: null }) + '\n');
    const { execFileSync } = await import('child_process');
    execFileSync(bin, ['import', '--quiet', '--data-dir', data!, file]);
    await page.goto(`/?run=${id}`);
    await hydrated(page);
    await expect(page.getByTestId('no-logs')).toBeVisible();
    await expect(page.locator('.chart-missing')).toHaveCount(0);
    await expect(page.getByTestId('log-tabs')).toHaveCount(0);
    await page.screenshot({ path: `${shots}/run-without-logs.png` });
  });
});

test.describe('search that finds what people type', () => {
  type Count = { runs: number; more: boolean; estimate: boolean };
  type Page1 = { rows: (Run & { ip: string })[]; matches?: Count };
  const counted = (m: Count) =>
    m.estimate ? `about ${m.runs.toLocaleString('en-US')} runs`
      : m.more ? `more than ${m.runs.toLocaleString('en-US')} runs`
      : m.runs === 1 ? '1 run' : `${m.runs.toLocaleString('en-US')} runs`;

  test('by the start of an IP address and by connection id, with a count', async ({ page }) => {
    const extra = await api<Page1>(page, '/api/runs?user=10.0.3.&limit=500');
    expect(extra.rows.length).toBeGreaterThan(0);
    for (const r of extra.rows) expect(r.ip.startsWith('10.0.3.')).toBe(true);
    expect(extra.matches).toEqual({ runs: extra.rows.length, more: false, estimate: false });

    await page.goto('/');
    await hydrated(page);
    await page.getByTestId('search').fill('10.0.3.');
    await expect(page).toHaveURL(/user=10\.0\.3\./);
    await expect(page.getByTestId('matches')).toHaveText(counted(extra.matches!));
    await expect(tableRows(page).first()).toHaveAttribute('data-connection', String(extra.rows[0].id));

    // A prefix most runs share (the 20,000 older runs, none of the newest):
    // estimated from the first page's walk and a sample of the rest, near
    // the count, and said to be an estimate. The page asks for 100 rows.
    const many = await api<Page1>(page, '/api/runs?user=10.0.&limit=100');
    expect(many.matches!.estimate).toBe(true);
    expect(many.matches!.runs).toBeGreaterThan(16000);
    expect(many.matches!.runs).toBeLessThan(24000);
    await page.getByTestId('search').fill('10.0.');
    await expect(page.getByTestId('matches')).toHaveText(counted(many.matches!));
    await expect(page.getByTestId('matches')).toHaveAttribute('title', /estimate/);
    await page.screenshot({ path: `${shots}/search-estimate.png` });

    // A connection id, as typed or as #id.
    const id = extra.rows[extra.rows.length - 1].id;
    for (const term of [String(id), `#${id}`]) {
      await page.getByTestId('search').fill(term);
      await expect(page.getByTestId('matches')).toHaveText('1 run');
      await expect(tableRows(page)).toHaveCount(1);
      await expect(tableRows(page).first()).toHaveAttribute('data-connection', String(id));
    }
    await page.screenshot({ path: `${shots}/search-ip.png` });
  });

  test('a most common error lists the runs that have it', async ({ page }) => {
    type Top = { level: string; template: string; count: number; runs: number };
    const top = await api<Top[]>(page, '/api/analytics/templates?level=ERROR&limit=8');
    expect(top.length).toBeGreaterThan(0);
    await page.goto('/');
    await hydrated(page);
    const link = page.getByTestId('top-errors').getByTestId('template-link').first();
    await link.click();
    await expect(page).toHaveURL(/template=/);
    const url = new URL(page.url());
    const template = url.searchParams.get('template')!;
    const t = top.find((x) => x.template === template)!;
    expect(t, `the clicked template ${template} is one of the top errors`).toBeTruthy();
    await expect(page.getByTestId('chip-template')).toContainText(template.slice(0, 20));
    await expect(page.getByTestId('matches')).toHaveText(counted({ runs: Math.min(t.runs, 10000), more: t.runs > 10000, estimate: false }));

    // Each listed run has the template in one of its logs.
    const listed = await api<Page1>(page, `/api/runs?template=${encodeURIComponent(template)}&limit=10`);
    await expect(tableRows(page).first()).toHaveAttribute('data-connection', String(listed.rows[0].id));
    for (const r of listed.rows.slice(0, 5)) {
      const d = await api<{ logs: { summary: { templates: { level: string; template: string }[] } | null }[] }>(page, `/api/runs/${r.id}`);
      const has = d.logs.some((l) => l.summary?.templates.some((x) => x.level === 'ERROR' && x.template === template));
      expect(has, `run ${r.id} has ${template}`).toBe(true);
    }
    await page.screenshot({ path: `${shots}/runs-with-error.png` });
    await page.getByTestId('chip-template').click();
    await expect(page).not.toHaveURL(/template=/);
    await expect(page.getByTestId('matches')).toHaveCount(0);
  });
});

test.describe('state that agrees', () => {
  test('Esc empties the search box and the filter together', async ({ page }) => {
    const all = await runs(page, 'limit=1');
    await page.goto('/');
    await hydrated(page);
    await page.getByTestId('search').fill('no-such-user-anywhere');
    await expect(page).toHaveURL(/user=no-such-user-anywhere/);
    await expect(page.getByTestId('empty')).toBeVisible();
    await page.getByTestId('search').press('Escape');
    await expect(page).not.toHaveURL(/user=/);
    await expect(page.getByTestId('search')).toHaveValue('');
    await expect(tableRows(page).first()).toHaveAttribute('data-connection', String(all[0].id));
    await expect(page.getByTestId('empty')).toHaveCount(0);
  });

  test('the Bookmarks card follows adding and removing a bookmark', async ({ page }) => {
    const [r] = await runs(page, 'limit=1&sort=oldest');
    await page.goto(`/?run=${r.id}`);
    await hydrated(page);
    // With a run open the cards fold, leaving the room to the run; unfolded
    // there, they stay unfolded (on the next visit too), and folding them on
    // the list is another choice.
    await expect(page.locator('#analytics-cards')).toHaveCount(0);
    await page.locator('.analytics > .toggle').click();
    await page.reload();
    await hydrated(page);
    const card = page.getByTestId('bookmarks');
    await expect(card).toBeVisible();
    await expect(card).not.toContainText(String(r.id));
    await page.getByTestId('bookmark').click();
    await expect(card).toContainText(String(r.id));
    await page.getByTestId('bookmark').click();
    await expect(card).not.toContainText(String(r.id));
    await page.getByTestId('close-run').click();
    await expect(card).toBeVisible();
    await page.locator('.analytics > .toggle').click();
    await expect(page.locator('#analytics-cards')).toHaveCount(0);
    await page.goto(`/?run=${r.id}`);
    await hydrated(page);
    await expect(card).toBeVisible();
  });

  test('every time is written one way, in UTC, with how long ago on hover', async ({ page }) => {
    await page.goto('/');
    await hydrated(page);
    const times = await page.locator('td.k-time time').evaluateAll((ts) =>
      ts.slice(0, 20).map((t) => ({ text: t.textContent, title: t.getAttribute('title') })));
    expect(times.length).toBeGreaterThan(5);
    for (const t of times) {
      expect(t.text).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(t.title).toMatch(/ago|just now|future/);
    }
  });
});

test.describe('before the app starts', () => {
  test('rows, chips and sort headers are links that work without the app', async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/');
    const first = page.locator('a.row-link').first();
    await expect(first).toHaveAttribute('href', /run=\d+/);
    await page.getByTestId('chip-errors').click();
    await expect(page).toHaveURL(/has_errors=1/);
    await expect(page.getByTestId('chip-errors')).toHaveAttribute('aria-pressed', 'true');
    await page.locator('a.row-link').first().click();
    await expect(page).toHaveURL(/run=\d+/);
    await page.getByTestId('search').fill('user');
    await page.getByTestId('search').press('Enter');
    await expect(page).toHaveURL(/user=user/);
    await context.close();
  });

  test('text typed before the app starts is kept and searched', async ({ page }) => {
    // Hold the wasm back until the text is typed.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/*.wasm', async (route) => { await held; await route.continue(); });
    await page.goto('/');
    await page.getByTestId('search').fill('USER.12345@');
    release();
    await hydrated(page);
    await expect(page.getByTestId('search')).toHaveValue('USER.12345@');
    await expect(page).toHaveURL(/user=USER.12345/);
    await expect(page.locator('tr[data-connection="912345"]')).toHaveCount(1);
  });
});

test.describe('reading', () => {
  test('a column chooser for the full table and for the table beside a run, kept across visits', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto('/');
    await hydrated(page);
    const ip = page.locator('table.runs th.k-ip');
    const version = page.locator('table.runs th.k-version');
    await expect(ip).toBeVisible();
    const chooser = page.getByTestId('columns');
    await chooser.locator('summary').click();
    await chooser.locator('input[data-col="ip"]').uncheck();
    await expect(ip).toBeHidden();
    await expect(page.locator('table.runs td.k-ip').first()).toBeHidden();
    await page.reload();
    await hydrated(page);
    await expect(ip).toBeHidden();
    await expect(version).toBeVisible();

    // Beside a run: its own choice (version hidden by default, shown here).
    await tableRows(page).first().locator('td.k-time').click();
    await expect(page).toHaveURL(/run=/);
    await expect(version).toBeHidden();
    await expect(chooser.locator('summary')).toHaveText('Columns beside a run');
    await chooser.locator('summary').click();
    await expect(chooser.locator('input[data-col="version"]')).not.toBeChecked();
    await chooser.locator('input[data-col="version"]').check();
    await expect(version).toBeVisible();
    await page.screenshot({ path: `${shots}/columns-beside-run.png` });

    // Back to defaults for the other tests.
    await chooser.locator('input[data-col="version"]').uncheck();
    await page.goto('/');
    await hydrated(page);
    await chooser.locator('summary').click();
    await chooser.locator('input[data-col="ip"]').check();
    await expect(ip).toBeVisible();
  });

  test('ids, IPs, times and error counts are never cut, full width, beside a run and on a phone', async ({ page }) => {
    const cut = (sel: string) => page.locator(sel).evaluateAll((cells) =>
      cells.filter((c) => (c as HTMLElement).offsetParent !== null && c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent));
    const cells = 'td.k-id, td.k-ip, td.k-time, td.k-errors';
    const [first] = await runs(page, 'limit=1');
    // Task ids have 13 digits: the live tests leave some; search for them too.
    const tasks = (await runs(page, 'user=1000000000&limit=1')).length > 0;
    for (const url of tasks ? ['/', '/?user=1000000000'] : ['/']) {
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.goto(url);
      await hydrated(page);
      await expect(tableRows(page).first()).toBeVisible();
      expect(await cut(cells), `full width ${url}`).toEqual([]);
    }
    await page.goto(`/?run=${first.id}`);
    await hydrated(page);
    await expect(page.getByTestId('detail')).toBeVisible();
    expect(await cut(cells), 'beside a run').toEqual([]);
    // Beside a run the time drops its year, which stays on hover.
    const time = page.locator('td.k-time time').first();
    expect(await time.innerText()).toMatch(/^\d\d-\d\d \d\d:\d\d:\d\d$/);
    await expect(time).toHaveAttribute('title', /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/');
    await hydrated(page);
    expect(await cut(cells), 'phone').toEqual([]);
  });

  test('beside a run the table keeps its key columns; the log can take the whole window', async ({ page }) => {
    const { run } = await longClientLog(page);
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`/?run=${run.id}`);
    await hydrated(page);
    for (const k of ['k-id', 'k-user', 'k-time', 'k-errors', 'k-warnings', 'k-lat']) {
      const th = page.locator(`th.${k}`);
      await expect(th).toBeVisible();
      const b = (await th.boundingBox())!;
      const pane = (await page.locator('.runs-pane').boundingBox())!;
      expect(b.x + b.width, k).toBeLessThanOrEqual(pane.x + pane.width + 1);
    }
    await page.getByTestId('open-client').click();
    const viewer = page.getByTestId('logview');
    await expect(viewer).toBeInViewport();
    await page.getByTestId('maximise').click();
    const box = (await viewer.boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(1440 - 2);
    await page.screenshot({ path: `${shots}/log-maximised.png` });
    await page.getByTestId('maximise').click();
    expect((await viewer.boundingBox())!.width).toBeLessThan(1000);
  });
});

for (const scheme of ['light', 'dark'] as const) {
  test.describe(`phone, ${scheme}`, () => {
    test.use({ viewport: { width: 390, height: 844 }, colorScheme: scheme, hasTouch: true, isMobile: true });

    test('one column, no sideways scroll, the run as a sheet with Back', async ({ page, baseURL }) => {
      execFileSync(process.env.LOGDECK_E2E_BIN ?? '../target/debug/logdeck', ['run', '--quiet', '--name', `phone task ${scheme}`, '--', 'true'], {
        env: { ...process.env, LOGDECK_SERVER: baseURL, LOGDECK_TOKEN: process.env.LOGDECK_E2E_TOKEN ?? 'e2e-token' },
      });
      await page.goto('/');
      await hydrated(page);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
      // Analytics start folded: the first screen shows runs.
      await expect(page.locator('#analytics-cards')).toBeHidden();
      await expect(tableRows(page).first()).toBeInViewport();
      // Controls are big enough for a finger.
      for (const el of await page.locator('a.chip, header button:not(.link), #search').all()) {
        if (!(await el.isVisible())) continue;
        expect((await el.boundingBox())!.height, await el.innerText()).toBeGreaterThanOrEqual(40);
      }
      // A task's status is a dot within its cell (this server's own task run,
      // made before the page loaded).
      const badges = await page.locator('td.k-user .badge.status').all();
      expect(badges.length, 'a task run in the first rows').toBeGreaterThan(0);
      for (const badge of badges) {
        const b = (await badge.boundingBox())!;
        const cell = (await badge.locator('xpath=ancestor::td[1]').boundingBox())!;
        expect(b.x + b.width).toBeLessThanOrEqual(cell.x + cell.width);
        expect(b.width).toBeLessThanOrEqual(12);
      }
      await page.screenshot({ path: `${shots}/phone-${scheme}.png` });
      await tableRows(page).first().locator('td.k-user').tap();
      const sheet = page.getByTestId('detail');
      await expect(sheet).toBeVisible();
      const b = (await sheet.boundingBox())!;
      expect(b.x).toBeLessThanOrEqual(0.5);
      expect(b.width).toBeGreaterThanOrEqual(389);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: `${shots}/phone-sheet-${scheme}.png` });
      await page.getByTestId('close-run').tap();
      await expect(sheet).toHaveCount(0);
      // The browser's back closes it too.
      await tableRows(page).first().locator('td.k-user').tap();
      await expect(sheet).toBeVisible();
      await page.goBack();
      await expect(sheet).toHaveCount(0);
      // A long template chip stays within the screen.
      const top = await api<{ template: string }[]>(page, '/api/analytics/templates?level=ERROR&limit=1');
      await page.goto(`/?template=${encodeURIComponent(top[0].template)}`);
      await hydrated(page);
      await expect(page.getByTestId('chip-template')).toBeVisible();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    });
  });

  test.describe(`desktop, ${scheme}`, () => {
    test.use({ viewport: { width: 1440, height: 900 }, colorScheme: scheme });
    test('screenshots of the dashboard and a run', async ({ page }) => {
      const { run } = await longClientLog(page);
      await page.goto('/');
      await hydrated(page);
      await page.screenshot({ path: `${shots}/desktop-${scheme}.png` });
      await page.goto(`/?run=${run.id}&log=client`);
      await hydrated(page);
      await expect(page.locator('.line').first()).toBeVisible();
      await page.screenshot({ path: `${shots}/desktop-run-${scheme}.png` });
    });
  });
}
