// The log beside the table: wrapping, the split bar, find, and what the
// viewer keeps through a search, a level and a line.
import { test, expect, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { shots, Run, api, runs, hydrated, tableRows, longClientLog } from './common';

test.describe('wrapping and the split', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  /** Height and whether the text is cut, of the log line `n` in view. */
  async function lineBox(page: Page, n: number): Promise<{ height: number; cut: boolean }> {
    const line = page.locator(`[data-testid="logview"] .line[data-line="${n}"]`);
    await expect(line).toBeVisible();
    return line.evaluate((el) => {
      const text = el.querySelector('.text') as HTMLElement;
      return { height: el.getBoundingClientRect().height, cut: text.scrollHeight > text.clientHeight + 1 || text.scrollWidth > text.clientWidth + 1 };
    });
  }

  test('long lines wrap whole by default and not when toggled off', async ({ page }) => {
    await page.goto('/?run=990001&log=client');
    await hydrated(page);
    const wrap = page.getByTestId('wrap');
    await expect(wrap).toHaveAttribute('aria-pressed', 'true');
    // 1,500 characters: many screen lines, all of them shown.
    const on = await lineBox(page, 4);
    expect(on.height).toBeGreaterThan(18 * 5);
    expect(on.cut).toBe(false);
    expect((await lineBox(page, 3)).height).toBe(18);
    // Breaks fall between words: every screen line but the last ends at a
    // space, none is wider than the text, there are as many as the row is
    // high, and copied they read as the line.
    const line = page.locator('[data-testid="logview"] .line[data-line="4"]');
    const screen = await line.evaluate((el) => {
      const text = el.querySelector('.text') as HTMLElement;
      const parts = [...text.querySelectorAll('.wl')] as HTMLElement[];
      const sel = getSelection()!;
      sel.selectAllChildren(text);
      const copied = sel.toString();
      sel.removeAllRanges();
      return {
        parts: parts.map((p) => p.textContent ?? ''),
        tops: new Set(parts.map((p) => Math.round(p.getBoundingClientRect().top))).size,
        widest: Math.max(...parts.map((p) => p.scrollWidth - p.clientWidth)),
        all: text.textContent ?? '',
        copied,
      };
    });
    expect(screen.parts.length * 18).toBe(on.height);
    expect(screen.tops).toBe(screen.parts.length);
    expect(screen.parts.slice(0, -1).every((p) => p.endsWith(' '))).toBe(true);
    expect(screen.widest).toBeLessThanOrEqual(1);
    expect(screen.parts.join('')).toBe(screen.all);
    expect(screen.copied.trimEnd()).toBe(screen.all.trimEnd());
    await page.screenshot({ path: `${shots}/log-wrapped.png` });
    await wrap.click();
    await expect(wrap).toHaveAttribute('aria-pressed', 'false');
    expect((await lineBox(page, 4)).height).toBe(18);
  });

  test('the viewer keeps Wrap and Full window through a search, a level and a line, and across visits; Esc in Find drops the filter', async ({ page }) => {
    await page.goto('/?run=990001&log=client');
    await hydrated(page);
    const wrap = page.getByTestId('wrap');
    const full = page.getByTestId('maximise');
    await wrap.click();
    await full.click();
    await expect(wrap).toHaveAttribute('aria-pressed', 'false');
    await expect(full).toHaveAttribute('aria-pressed', 'true');
    // On and off look different, not only to a screen reader.
    const look = (el: typeof wrap) => el.evaluate((b) => getComputedStyle(b).backgroundColor);
    expect(await look(full)).not.toBe(await look(wrap));
    const find = page.getByTestId('find');
    await find.fill('latency');
    await expect(page).toHaveURL(/find=latency/);
    await page.locator('[data-testid="logview"] .chips button', { hasText: 'WARNING' }).click();
    await expect(page).toHaveURL(/level=WARNING/);
    await page.locator('[data-testid="logview"] .chips button', { hasText: 'all' }).click();
    await expect(wrap).toHaveAttribute('aria-pressed', 'false');
    await expect(full).toHaveAttribute('aria-pressed', 'true');
    await page.screenshot({ path: `${shots}/viewer-toggles.png` });
    // Esc empties the box and the filter with it.
    await find.focus();
    await page.keyboard.press('Escape');
    await expect(find).toHaveValue('');
    await expect(page).not.toHaveURL(/find=/);
    await expect(page.getByTestId('logview')).toBeVisible();
    // The choices are kept for the next visit.
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('wrap')).toHaveAttribute('aria-pressed', 'false');
    await expect(page.getByTestId('maximise')).toHaveAttribute('aria-pressed', 'true');
  });

  test('find shows lines around each match on request; n and N step through the matches', async ({ page }) => {
    const { run } = await longClientLog(page);
    await page.goto(`/?run=${run.id}&log=client&find=latency`);
    await hydrated(page);
    const viewer = page.getByTestId('logview');
    await expect(viewer.locator('.line').first()).toBeVisible();
    await expect(viewer.locator('.line.ctx')).toHaveCount(0);
    await viewer.getByTestId('context').selectOption('2');
    await expect(viewer.locator('.line.ctx').first()).toBeVisible();
    // Every context line is within two lines of a match.
    const shown = await viewer.locator('.line').evaluateAll((ls) =>
      ls.map((l) => ({ n: Number(l.getAttribute('data-line')), ctx: l.classList.contains('ctx'), text: l.textContent ?? '' })));
    const hits = shown.filter((l) => !l.ctx).map((l) => l.n);
    // (The list renders a window of lines: a match may lie just past its end.)
    for (const l of shown.slice(0, -2)) {
      if (l.ctx) expect(hits.some((h) => Math.abs(h - l.n) <= 2), `line ${l.n}`).toBe(true);
      else expect(l.text.toLowerCase()).toContain('latency');
    }
    // n: the first match, then the next; N: back.
    await viewer.locator('.lines').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('n');
    await expect(page).toHaveURL(new RegExp(`line=${hits[0]}(&|$)`));
    await page.keyboard.press('n');
    await expect(page).toHaveURL(new RegExp(`line=${hits[1]}(&|$)`));
    await page.keyboard.press('N');
    await expect(page).toHaveURL(new RegExp(`line=${hits[0]}(&|$)`));
    await expect(viewer.locator('.line.selected')).toContainText(/latency/i);
    // The choice is kept for the next log.
    await page.reload();
    await hydrated(page);
    await expect(viewer.getByTestId('context')).toHaveValue('2');
    await page.screenshot({ path: `${shots}/find-context.png` });
  });

  test('j keeps the selected row in full view, clear of the table head and the footer', async ({ page }) => {
    // A short window, so that a few presses take the selection past its
    // bottom edge: each press opens a run, half a second on a loaded machine.
    test.setTimeout(60_000);
    await page.setViewportSize({ width: 1440, height: 560 });
    await page.goto('/');
    await hydrated(page);
    const scroller = page.getByTestId('table-scroll');
    const presses = 16;
    for (let i = 0; i < presses; i++) {
      await page.keyboard.press('j');
      const row = page.locator('table.runs tbody tr.selected');
      await expect(row).toHaveCount(1);
      const [r, box, head] = [(await row.boundingBox())!, (await scroller.boundingBox())!, (await page.locator('table.runs thead').boundingBox())!];
      expect(r.y, `row ${i + 1} under the head`).toBeGreaterThanOrEqual(head.y + head.height - 1);
      expect(r.y + r.height, `row ${i + 1} above the bottom edge`).toBeLessThanOrEqual(box.y + box.height + 1);
    }
    expect(await scroller.evaluate((el) => el.scrollTop), 'the table scrolled to keep the row in view').toBeGreaterThan(0);
    for (let i = 0; i < presses; i++) {
      await page.keyboard.press('k');
      const r = (await page.locator('table.runs tbody tr.selected').boundingBox())!;
      const head = (await page.locator('table.runs thead').boundingBox())!;
      expect(r.y, `row back ${i + 1} under the head`).toBeGreaterThanOrEqual(head.y + head.height - 1);
    }
  });

  test('? shows the keys; Esc closes them, then the run, and focus returns to its row', async ({ page }) => {
    await page.goto('/');
    await hydrated(page);
    await page.keyboard.press('?');
    const help = page.getByTestId('help');
    await expect(help).toBeVisible();
    await expect(help).toContainText('next / previous match');
    await page.screenshot({ path: `${shots}/keys-help.png` });
    await page.keyboard.press('Escape');
    await expect(help).toHaveCount(0);
    await page.keyboard.press('j');
    await expect(page).toHaveURL(/run=/);
    const id = new URL(page.url()).searchParams.get('run');
    await page.keyboard.press('Escape');
    await expect(page).not.toHaveURL(/run=/);
    await expect(page.locator(`tr[data-connection="${id}"] a.row-link`)).toBeFocused();
  });

  test('a bar shares the width between the table and the run: dragged, moved with the keys, kept across visits; the log wraps to the new width', async ({ page }) => {
    await page.goto('/?run=990001&log=client');
    await hydrated(page);
    const bar = page.getByTestId('splitter');
    const pane = page.locator('.runs-pane');
    await expect(bar).toBeVisible();
    await expect(bar).toHaveAttribute('role', 'separator');
    const width0 = (await pane.boundingBox())!.width;
    const lines0 = (await lineBox(page, 4)).height;
    // Drag 150 px to the left: the table narrows by as much, the log widens
    // and its long line takes fewer screen lines, still all shown.
    const b = (await bar.boundingBox())!;
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2 - 75, b.y + b.height / 2, { steps: 4 });
    await page.mouse.move(b.x + b.width / 2 - 150, b.y + b.height / 2, { steps: 4 });
    await page.mouse.up();
    const width1 = (await pane.boundingBox())!.width;
    expect(Math.abs(width1 - (width0 - 150))).toBeLessThan(4);
    await expect.poll(async () => (await lineBox(page, 4)).height).toBeLessThan(lines0);
    expect((await lineBox(page, 4)).cut).toBe(false);
    await page.screenshot({ path: `${shots}/split-dragged.png` });
    // The arrow keys move it too, and say where it is.
    const now = Number(await bar.getAttribute('aria-valuenow'));
    await bar.focus();
    await page.keyboard.press('ArrowRight');
    await expect(bar).toHaveAttribute('aria-valuenow', String(now + 2));
    const width2 = (await pane.boundingBox())!.width;
    expect(width2).toBeGreaterThan(width1);
    // Kept across visits.
    await page.reload();
    await hydrated(page);
    await expect.poll(async () => Math.round((await pane.boundingBox())!.width)).toBe(Math.round(width2));
    // A double click puts it back.
    await bar.dblclick();
    await expect.poll(async () => Math.abs((await pane.boundingBox())!.width - width0)).toBeLessThan(2);
  });
});
