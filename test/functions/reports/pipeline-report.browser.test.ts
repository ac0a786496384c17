import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPipelineReport } from '../../../functions/reports/pipeline-report';
import { assemblePipelineReport } from '../../../functions/reports/pipeline-report-data';
import { CHROMIUM_SEARCHED, findChromium, HeadlessChromium, type ChromiumPage } from '../../support/headless-chromium';
import { ALARM, CHECKPOINTS, fullInput } from './pipeline-report-fixture';

/*
 * The pipeline report as a person sees it: the page of a realistic run written to a file, opened in headless
 * Chromium over the DevTools protocol, and asserted on through the rendered DOM and the page's own requests.
 */

const chromium = findChromium();

if (!chromium) {
  describe('pipeline report in headless Chromium', () => {
    it.skip(`needs a Chromium binary: none found at ${CHROMIUM_SEARCHED} (install the chromium package or set CHROMIUM_PATH)`, () => undefined);
  });
} else {
  describe('pipeline report in headless Chromium', () => {
    const dir = mkdtempSync(join(tmpdir(), 'finegate-report-browser-'));
    const file = join(dir, 'run report.html');
    const url = pathToFileURL(file).href;
    let browser: HeadlessChromium | undefined;
    let page: ChromiumPage;

    beforeAll(async () => {
      writeFileSync(file, renderPipelineReport(assemblePipelineReport(fullInput())));
      browser = await HeadlessChromium.launch(chromium);
      page = await browser.open(url);
    }, 20_000);

    afterAll(async () => {
      await browser?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('shows the four gates as visible section headings, in order', async () => {
      const headings = await page.evaluate<{ text: string; visible: boolean }[]>(`[...document.querySelectorAll('section > h2')].map((h) => {
        const box = h.getBoundingClientRect();
        const style = getComputedStyle(h);
        return { text: h.textContent.trim(), visible: box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none' };
      })`);
      expect(headings.map((h) => h.text)).toEqual(['1. Corpus audit WARN', '2. Held-out and drift', '3. Arena vs base', '4. Canary FAIL']);
      expect(headings.every((h) => h.visible)).toBe(true);
    });

    it('lays out the checkpoint chart with one held-out point per checkpoint, left to right by step, inside the chart', async () => {
      const chart = await page.evaluate<{ box: { width: number; height: number; left: number; right: number; top: number; bottom: number }; points: { checkpoint: string; x: number; y: number; width: number }[]; driftPoints: number }>(`(() => {
        const svg = document.getElementById('chart-heldout');
        const box = svg.getBoundingClientRect();
        const points = [...svg.querySelectorAll('circle.point')].map((c) => {
          const b = c.getBoundingClientRect();
          return { checkpoint: c.dataset.checkpoint, x: b.left + b.width / 2, y: b.top + b.height / 2, width: b.width };
        });
        return { box: { width: box.width, height: box.height, left: box.left, right: box.right, top: box.top, bottom: box.bottom }, points, driftPoints: document.querySelectorAll('#chart-drift circle.point').length };
      })()`);
      expect(chart.box.width).toBeGreaterThan(100);
      expect(chart.box.height).toBeGreaterThan(50);
      expect(chart.points.map((p) => p.checkpoint)).toEqual(CHECKPOINTS);
      for (const p of chart.points) {
        expect(p.width).toBeGreaterThan(0);
        expect(p.x).toBeGreaterThan(chart.box.left);
        expect(p.x).toBeLessThan(chart.box.right);
        expect(p.y).toBeGreaterThan(chart.box.top);
        expect(p.y).toBeLessThan(chart.box.bottom);
      }
      const xs = chart.points.map((p) => p.x);
      expect([...xs].sort((a, b) => a - b)).toEqual(xs);
      // Higher held-out is drawn higher: 61.2 at the first checkpoint, 70.6 at the last.
      expect(chart.points[0]!.y).toBeGreaterThan(chart.points[3]!.y);
      expect(chart.driftPoints).toBe(CHECKPOINTS.length * 2);
    });

    it("states the arena's win rate with its 95% interval against the effect floor", async () => {
      const text = await page.evaluate<string>(`document.querySelector('#arena .interval').innerText`);
      expect(text).toBe('win rate 61.0%, 95% interval 56.0% to 65.7%, against the pinned effect floor 55.0%');
      const bar = await page.evaluate<number>(`document.getElementById('arena-interval-0').getBoundingClientRect().width`);
      expect(bar).toBeGreaterThan(0);
    });

    it('lists the canary timeline in time order: started, weight, alarm, rollback', async () => {
      const entries = await page.evaluate<{ kind: string; at: string; text: string }[]>(
        `[...document.querySelectorAll('#canary-timeline > li')].map((li) => ({ kind: li.dataset.kind, at: li.querySelector('time').getAttribute('datetime'), text: li.innerText }))`,
      );
      expect(entries.map((e) => e.kind)).toEqual(['started', 'weight', 'alarm', 'rollback']);
      const times = entries.map((e) => Date.parse(e.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(entries[2]!.text).toContain(`Alarm ${ALARM}: OK → ALARM`);
      expect(entries[3]!.text).toContain('Rolled back (FAIL)');
    });

    it('loads nothing but the document itself and logs no error', async () => {
      expect(page.requests).toEqual([url]);
      expect(page.errors).toEqual([]);
    });
  });
}
