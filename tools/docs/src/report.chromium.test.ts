// The tour's report as a learner (and docs/report.png) sees it: rendered by headless Chromium (Debian's
// chromium driven by playwright-core), checked for content and for pixels.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport } from '@connlab/tour/report';
import { sampleRun } from '@connlab/tour/sample-run';
import { summaryRows } from '@connlab/tour/summary';
import { ensureChromium, withPage } from './chromium.js';
import { pixelStats } from './pixels.js';

// Installs chromium with apt when running as root in CI (or when CONNLAB_INSTALL_CHROMIUM=1).
const browser = ensureChromium();
if (!browser.ok) console.warn(`report browser check skipped: ${browser.reason}`);

interface FigureCheck {
  title: string;
  width: number;
  height: number;
  /** Shapes with a nonzero box, not counting the white background. */
  drawn: number;
  texts: number;
}

describe.skipIf(!browser.ok)('report/index.html in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'connlab-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = sampleRun();
  const file = join(dir, 'index.html');
  writeFileSync(file, renderReport(run));
  const figures = run.lessons.flatMap((l) => l.result?.figures ?? []);

  it('renders the page, the summary, every lesson and every figure, none of them blank', async () => {
    await withPage(
      async (page) => {
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
        page.on('request', (r) => {
          if (!r.url().startsWith('file:')) problems.push(`fetched ${r.url()}`);
        });
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

        // The hostile lesson text would have renamed the page or added elements had it run.
        expect(await page.title()).toBe('Connlab lab report');
        expect(await page.locator('script, img, iframe').count()).toBe(0);
        expect(await page.locator('h1').innerText()).toBe('Connlab lab report');
        expect(await page.locator('table.summary tbody tr').count()).toBe(summaryRows(run).length);
        expect(await page.locator('section.lesson').count()).toBe(run.lessons.length);

        const checks = (await page.locator('svg.connlab-figure').evaluateAll((svgs) =>
          svgs.map((node) => {
            const svg = node as SVGSVGElement;
            const box = svg.getBoundingClientRect();
            const shapes = [...svg.querySelectorAll('rect, polyline, circle, line, path')].slice(1) as SVGGraphicsElement[];
            const drawn = shapes.filter((s) => {
              const b = s.getBBox();
              return b.width > 0 && b.height > 0;
            }).length;
            return {
              title: svg.querySelector('title')?.textContent ?? '',
              width: box.width,
              height: box.height,
              drawn,
              texts: svg.querySelectorAll('text').length,
            };
          }),
        )) as FigureCheck[];
        expect(checks.map((c) => c.title)).toEqual(figures.map((f) => f.title));
        for (const c of checks) {
          expect(c.width, c.title).toBeGreaterThan(200);
          expect(c.height, c.title).toBeGreaterThan(40);
          expect(c.drawn, c.title).toBeGreaterThan(0);
          expect(c.texts, c.title).toBeGreaterThan(1);
        }

        // Pixels, not just nodes: each figure's screenshot has ink in several colours.
        const svgs = await page.locator('svg.connlab-figure').all();
        for (const [i, svg] of svgs.entries()) {
          const stats = await pixelStats(page, await svg.screenshot());
          expect(stats.colours, figures[i]!.title).toBeGreaterThan(3);
          expect(stats.inked, figures[i]!.title).toBeGreaterThan(0.01);
        }
        const whole = await pixelStats(page, await page.screenshot({ fullPage: true }));
        expect(whole.height).toBeGreaterThan(1000);
        expect(whole.colours).toBeGreaterThan(20);
        expect(problems).toEqual([]);
      },
      { executablePath: browser.ok ? browser.path : undefined, viewport: { width: 1100, height: 900 } },
    );
  }, 120_000);
});

if (!browser.ok) {
  describe('report/index.html in headless Chromium', () => {
    it.skip(`skipped: ${browser.reason}`, () => undefined);
  });
}

describe('ensureChromium', () => {
  it('finds an installed browser, and without one explains in a line how to get it instead of installing unasked', () => {
    expect(ensureChromium({}, process.execPath)).toEqual({ ok: true, path: process.execPath });
    const missing = ensureChromium({}, '/nonexistent/chromium');
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.reason).toMatch(/^no \/nonexistent\/chromium; install it .*CONNLAB_INSTALL_CHROMIUM=1$/);
  });
});
