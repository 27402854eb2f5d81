import { test, expect, Page } from '@playwright/test';
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';

// A real producer (`logdeck run`) and real consumers (`logdeck tail`) talk to
// the server under test while Chromium watches the same run.
const shots = process.env.LOGDECK_E2E_SHOTS ?? 'screenshots';
const bin = process.env.LOGDECK_E2E_BIN ?? '../target/release/logdeck';
const token = process.env.LOGDECK_E2E_TOKEN ?? 'e2e-token';
const base = process.env.LOGDECK_E2E_URL ?? 'http://127.0.0.1:3000';
fs.mkdirSync(shots, { recursive: true });

async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 20_000 });
}

/** Starts a process and collects its standard output. */
function start(args: string[]): { proc: ChildProcess; out: () => string; err: () => string; done: Promise<number | null> } {
  const proc = spawn(bin, args, { env: { ...process.env, LOGDECK_SERVER: base, LOGDECK_TOKEN: token } });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (err += d.toString()));
  const done = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      if (code !== 0 && err) console.log(`${args[0]} stderr: ${err}`);
      resolve(code);
    }),
  );
  return { proc, out: () => out, err: () => err, done };
}

// Prints its clock in each line (to measure producer-to-browser delay), an
// ANSI colour and text that looks like HTML, at a steady pace. It goes on
// until it has printed 600 lines and the file named by its argument exists
// (the page has checked what it checks while the run is live, however slow
// the machine), ends on a multiple of 50 lines, writes how many it printed
// to that name plus `.n`, and exits 3.
const PROGRAM = [
  'import os, sys, time',
  'gate = sys.argv[1]',
  'i = 0',
  'while i < 3000 and (i < 600 or i % 50 or not os.path.exists(gate)):',
  '    i += 1',
  '    print(f"{time.time()*1000:.0f} tick {i} \\x1b[31mred\\x1b[0m <b>not bold</b>" + (" ERROR boom" if i % 50 == 0 else ""), flush=True)',
  '    time.sleep(0.02)',
  'open(gate + ".n", "w").write(str(i))',
  'sys.exit(3)',
].join('\n');

test('a live run: appears without reload, lines arrive within a second, pause and resume, same lines as three tails, permalink after archiving', async ({ page }) => {
  test.setTimeout(90_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('/');
  await hydrated(page);

  const gate = `${os.tmpdir()}/logdeck-e2e-live-${process.pid}-${Date.now()}`;
  const producer = start(['run', '--quiet', '--label', 'suite=e2e', '--', 'python3', '-c', PROGRAM, gate]);
  // The new run appears at the top with a live badge, with no reload.
  const liveRow = page.locator('tr[data-connection]', { has: page.locator('.badge.status.live') }).first();
  await expect(liveRow).toBeVisible({ timeout: 10_000 });
  const id = Number(await liveRow.getAttribute('data-connection'));
  expect(id).toBeGreaterThan(1e12);

  await liveRow.click();
  const log = page.getByTestId('livelog');
  await expect(log).toBeVisible();
  await expect(page.getByTestId('live-state')).toHaveText('Live');

  // Delay from print to the line being in the page, for every line added
  // over two seconds.
  const delays: number[] = await page.evaluate(
    () =>
      new Promise<number[]>((resolve) => {
        const out: number[] = [];
        const box = document.querySelector('[data-testid="live-lines"]')!;
        const seen = new Set<string>();
        const obs = new MutationObserver(() => {
          const now = Date.now();
          box.querySelectorAll('.line').forEach((el) => {
            const seq = el.getAttribute('data-line')!;
            if (seen.has(seq)) return;
            seen.add(seq);
            const t = Number((el.querySelector('.text')!.textContent ?? '').split(' ')[0]);
            if (t > 0) out.push(now - t);
          });
        });
        // Lines already shown were not timed.
        box.querySelectorAll('.line').forEach((el) => seen.add(el.getAttribute('data-line')!));
        obs.observe(box, { childList: true, subtree: true });
        setTimeout(() => {
          obs.disconnect();
          resolve(out);
        }, 2000);
      }),
  );
  delays.sort((a, b) => a - b);
  const p = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))];
  fs.writeFileSync(
    `${shots}/live-latency.json`,
    JSON.stringify({ samples: delays.length, p50_ms: p(0.5), p95_ms: p(0.95), max_ms: delays[delays.length - 1] }, null, 2),
  );
  expect(delays.length).toBeGreaterThan(30);
  expect(p(0.95)).toBeLessThan(1000);

  // Three terminals follow it too (colour on: the text exactly as printed),
  // from its first line, while it still prints. They start after the
  // page's delays are measured: three processes starting and catching up
  // on a loaded two-core machine are not the page's delay.
  const tails = [0, 1, 2].map(() => start(['tail', '--follow', '--color', 'always', String(id)]));

  // Colours are styled spans; the HTML-looking text stays text.
  const lastLine = log.locator('.line').last();
  await expect(lastLine.locator('.ansi-fg-1')).toHaveText('red');
  await expect(lastLine).toContainText('<b>not bold</b>');
  expect(await log.locator('b').count()).toBe(0);
  await page.screenshot({ path: `${shots}/live-following.png` });

  // Scrolling up pauses; what arrives meanwhile is counted; jumping back
  // follows again from the end.
  const lines = page.getByTestId('live-lines');
  await lines.evaluate((el) => el.scrollTo(0, 0));
  await expect(page.getByTestId('follow')).toHaveText('Follow');
  const badge = page.getByTestId('new-lines');
  await expect(badge).toBeVisible();
  const count = async () => Number((await badge.innerText()).replace(/[^0-9]/g, ''));
  const first = await count();
  await page.waitForTimeout(500);
  expect(await count()).toBeGreaterThan(first);
  expect(await lines.evaluate((el) => el.scrollTop)).toBe(0);
  await page.screenshot({ path: `${shots}/live-paused.png` });
  await badge.click();
  await expect(page.getByTestId('follow')).toHaveText('Pause');
  await expect(badge).toHaveCount(0);
  // Following: at the end again once the lines that arrive meanwhile are
  // drawn (read once, the check can land between a batch and its scroll;
  // on a slow machine a batch can take more than a second to draw).
  await expect
    .poll(() => lines.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 20), { timeout: 10_000 })
    .toBe(true);

  // The end: exit code in the log's state, the panel and the table row.
  fs.writeFileSync(gate, '');
  expect(await producer.done).toBe(3);
  const printed = Number(fs.readFileSync(`${gate}.n`, 'utf8'));
  fs.rmSync(gate);
  fs.rmSync(`${gate}.n`);
  expect(printed).toBeGreaterThanOrEqual(600);
  const shown = printed.toLocaleString('en-US');
  await expect(page.getByTestId('live-state')).toHaveText('Ended · exit code 3', { timeout: 10_000 });
  // Nothing left to pause.
  await expect(page.getByTestId('follow')).toHaveText('Go to end');
  await expect(page.getByTestId('task-status')).toHaveText('failed · exit 3');
  // Every 50th line announced an error, counted as they arrived.
  await expect(page.getByTestId('live-counts')).toHaveText(`${printed / 50} errors, 0 warnings in the output`);
  await expect(page.locator(`tr[data-connection="${id}"] [data-testid="status-badge"]`)).toHaveText('failed · exit 3');
  await expect(page.getByTestId('live-count')).toContainText(`${shown} lines`);
  // Screen readers are told the count, politely (aria-live).
  await expect(page.getByTestId('live-announce')).toHaveText(`${shown} lines received`);
  await expect(page.getByTestId('live-announce')).toHaveAttribute('aria-live', 'polite');

  // The browser's lines are the tails' lines, byte for byte.
  for (const t of tails) expect(await t.done).toBe(0);
  const download = page.waitForEvent('download');
  await page.getByTestId('download').click();
  const saved = fs.readFileSync(await (await download).path(), 'utf8');
  expect(saved.split('\n').length).toBe(printed + 1);
  for (const t of tails) expect(t.out()).toBe(saved);

  // Level filter: the ERROR lines only.
  await page.getByRole('button', { name: 'ERROR', exact: true }).click();
  await expect(page.getByTestId('live-count')).toContainText(`${printed / 50} match`);

  // Once archived, a permalink to a line still opens it, from the archive.
  await expect
    .poll(async () => (await (await page.request.get(`/api/runs/${id}`)).json()).run.output_state, { timeout: 20_000 })
    .toBe('indexed');
  await page.goto(`/?run=${id}&line=5`);
  await hydrated(page);
  const five = page.locator('.livelog .line.selected[data-line="5"]');
  await expect(five).toBeVisible();
  await expect(five.locator('.text')).toHaveText(saved.split('\n')[4].replace(/\x1b\[[0-9;]*m/g, ''));
  await expect(page.getByTestId('live-state')).toHaveText('Ended · exit code 3');
  await page.screenshot({ path: `${shots}/live-archived.png` });
  expect(errors).toEqual([]);
});

test('a live run that prints nothing yet says it is waiting', async ({ page }) => {
  // Silent until the file named by its argument exists (at most a minute).
  const gate = `${os.tmpdir()}/logdeck-e2e-silent-${process.pid}-${Date.now()}`;
  const silent = 'import os, sys, time\nfor _ in range(600):\n    if os.path.exists(sys.argv[1]): break\n    time.sleep(0.1)';
  const producer = start(['run', '--quiet', '--', 'python3', '-c', silent, gate]);
  await page.goto('/');
  await hydrated(page);
  const liveRow = page.locator('tr[data-connection]', { has: page.locator('.badge.status.live') }).first();
  await expect(liveRow).toBeVisible({ timeout: 10_000 });
  await liveRow.click();
  await expect(page.getByTestId('livelog')).toContainText('Waiting for output…');
  fs.writeFileSync(gate, '');
  expect(await producer.done).toBe(0);
  fs.rmSync(gate);
  await expect(page.getByTestId('livelog')).toContainText('The run printed nothing.', { timeout: 10_000 });
  await expect(page.getByTestId('task-status')).toHaveText('succeeded');
});

/** Seconds since midnight of a log line's time field. */
function secondsOf(line: string): number | null {
  const m = /^(\d\d):(\d\d):(\d\d)[:.](\d+)/.exec(line.split('|')[0].trim());
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(`0.${m[4]}`) : null;
}

test('a replayed session log: its live charts grow as lines arrive', async ({ page }) => {
  test.setTimeout(60_000);
  const data = process.env.LOGDECK_E2E_DATA;
  expect(data, 'LOGDECK_E2E_DATA names the sample corpus').toBeTruthy();
  // The smallest client log of the sample with enough latency points.
  const dir = `${data}/logs`;
  const candidates = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('client'))
    .map((f) => ({ path: `${dir}/${f}`, text: fs.readFileSync(`${dir}/${f}`, 'utf8') }))
    .map((c) => ({ ...c, points: c.text.split('\n').filter((l) => l.includes('| Latency: ')).length }))
    .filter((c) => c.points >= 40)
    .sort((a, b) => a.text.length - b.text.length);
  expect(candidates.length).toBeGreaterThan(0);
  const log = candidates[0];
  const times = log.text.split('\n').map(secondsOf).filter((t): t is number => t !== null);
  const span = times[times.length - 1] - times[0];
  // About fifteen seconds of replay: opening the run takes a loaded
  // machine several of them, and the chart must still be growing then.
  const speed = Math.max(1, span / 15);

  await page.goto('/');
  await hydrated(page);
  const replay = start(['replay', log.path, '--speed', String(speed), '--quiet']);
  const liveRow = page.locator('tr[data-connection]', { has: page.locator('.badge.status.live') }).first();
  await expect(liveRow).toBeVisible({ timeout: 10_000 });
  await expect(liveRow).toContainText('replay of');
  await liveRow.click();
  await expect(page.getByTestId('live-charts')).toBeVisible();
  const points = page.getByTestId('live-points-latency');
  await expect(points).toBeVisible({ timeout: 10_000 });
  // The chart grows while the replay runs.
  const seen = new Set<number>();
  while (seen.size < 3 && !(await page.getByTestId('live-state').innerText()).startsWith('Ended')) {
    seen.add(Number((await points.innerText()).replace(/[^0-9]/g, '')));
    await page.waitForTimeout(150);
  }
  expect(seen.size).toBeGreaterThanOrEqual(3);
  await page.screenshot({ path: `${shots}/live-charts.png` });
  expect(await replay.done).toBe(0);
  await expect(page.getByTestId('live-state')).toHaveText('Ended · exit code 0', { timeout: 10_000 });
  await expect(points).toHaveText(log.points.toLocaleString('en-US'));
  await expect(page.locator('[data-testid="live-charts"] canvas')).toHaveCount(2);
});

test('one event feed for the page: searches keep it, and the header totals follow it', async ({ page }) => {
  test.setTimeout(60_000);
  const feeds: string[] = [];
  page.on('request', (r) => { if (r.url().includes('/api/events/stream')) feeds.push(r.url()); });
  await page.goto('/');
  await hydrated(page);
  await expect.poll(() => feeds.length).toBe(1);

  // Searching and clearing lists other runs, over the same feed.
  await page.getByTestId('search').fill('10.0.3.');
  await expect(page).toHaveURL(/user=10\.0\.3\./);
  await expect(page.getByTestId('matches')).toBeVisible();
  await page.getByTestId('search').press('Escape');
  await expect(page).not.toHaveURL(/user=/);
  await expect(page.getByTestId('matches')).toHaveCount(0);
  await page.waitForTimeout(500);
  expect(feeds, 'the feed was opened again').toHaveLength(1);

  // A new run moves the totals, with no reload.
  const connections = page.getByTestId('totals').locator('.stat', { hasText: 'connections' }).locator('dd');
  const before = Number((await connections.innerText()).replace(/,/g, ''));
  const producer = start(['run', '--quiet', '--', 'python3', '-c', 'print("totals")']);
  expect(await producer.done).toBe(0);
  await expect
    .poll(async () => Number((await connections.innerText()).replace(/,/g, '')), { timeout: 15_000 })
    .toBe(before + 1);
  expect(feeds).toHaveLength(1);
});

test('a live run: long lines wrap whole (colours and times too), and not when toggled off', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/');
  await hydrated(page);
  // A short line, then a coloured line of 2,000 characters, then a wait
  // while the page looks.
  const program = 'import time\nprint("short", flush=True)\nprint("\\x1b[32m" + "".join(f"x{i:04d}" for i in range(400)) + "\\x1b[0m", flush=True)\ntime.sleep(6)';
  const producer = start(['run', '--quiet', '--', 'python3', '-c', program]);
  const liveRow = page.locator('tr[data-connection]', { has: page.locator('.badge.status.live') }).first();
  await expect(liveRow).toBeVisible({ timeout: 10_000 });
  await liveRow.click();
  const lines = page.getByTestId('live-lines');
  const long = lines.locator('.line[data-line="2"]');
  await expect(long).toBeVisible({ timeout: 10_000 });
  const box = () =>
    long.evaluate((el) => {
      const text = el.querySelector('.text') as HTMLElement;
      return { height: el.getBoundingClientRect().height, cut: text.scrollHeight > text.clientHeight + 1 || text.scrollWidth > text.clientWidth + 1 };
    });
  await expect(page.getByTestId('wrap')).toHaveAttribute('aria-pressed', 'true');
  let b = await box();
  expect(b.height).toBeGreaterThan(18 * 5);
  expect(b.cut).toBe(false);
  await expect(lines.locator('.line[data-line="1"]')).toHaveCSS('height', '18px');
  // Times take columns: the line takes more screen lines, still all shown.
  await page.getByTestId('times').check();
  await expect.poll(async () => (await box()).height).toBeGreaterThan(b.height);
  expect((await box()).cut).toBe(false);
  await page.screenshot({ path: `${shots}/live-wrapped.png` });
  await page.getByTestId('wrap').click();
  await expect.poll(async () => (await box()).height).toBe(18);
  expect(await producer.done).toBe(0);
});

test('a task whose output carries latency figures stays out of the sessions scatter unless asked for', async ({ page }) => {
  // 39 s latencies, as no session has: in the scatter they would stretch it.
  const program = 'for i in range(6): print(f"10:00:0{i}:000000 | INFO    | task.py | f:1 | Latency: 39.0", flush=True)';
  const producer = start(['run', '--', 'python3', '-c', program]);
  expect(await producer.done).toBe(0);
  const id = Number(/run (\d+) at/.exec(producer.err())![1]);
  await expect
    .poll(async () => (await (await page.request.get(`/api/runs/${id}`)).json()).run.latency_p50, { timeout: 20_000 })
    .toBe(39);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/');
  await hydrated(page);
  const scatter = page.getByTestId('scatter');
  const dot = scatter.locator('circle', { has: page.locator('title', { hasText: `run ${id}:` }) });
  await expect(scatter).toContainText('sessions ·');
  await expect(dot).toHaveCount(0);
  await page.getByTestId('scatter-tasks').check();
  await expect(scatter).toContainText('runs (sessions and tasks) ·');
  await expect(dot).toHaveCount(1);
  await expect(scatter).toContainText('max 39000 ms');
  await page.screenshot({ path: `${shots}/scatter-with-tasks.png` });
  // The choice is kept.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('scatter-tasks')).toBeChecked();
  await expect(dot).toHaveCount(1);
});
