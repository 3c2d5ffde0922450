// Photograph the lab report for the docs (docs/report.png), in headless Chromium.
//
//   npm start -- --quick                  writes report/index.html
//   npx tsx tools/docs/screenshot.ts      writes docs/report.png from it
//
// The picture is the top of the page (header, summary table, first lesson),
// which is what the README shows; src/report.chromium.test.ts checks the whole page.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseFlags, runMain } from '@connlab/lab';
import { repoRoot } from '@connlab/tour/registry';
import { ensureChromium, withPage } from './src/chromium.js';
import { pixelStats } from './src/pixels.js';
import { caption, countStatuses, writeRecord } from './src/screenshot-record.js';
import type { ScreenshotRecord } from './src/screenshot-record.js';

class ScreenshotError extends Error {
  readonly code = 'DOCS_SCREENSHOT';
}

runMain('docs-screenshot', async () => {
  const flags = parseFlags(
    process.argv.slice(2),
    {
      report: { type: 'string', default: join(repoRoot, 'report', 'index.html'), help: 'the report to photograph' },
      out: { type: 'string', default: join(repoRoot, 'docs', 'report.png'), help: 'where to write the PNG' },
      width: { type: 'int', default: 1100, min: 400, max: 3000, help: 'viewport width in CSS pixels' },
      height: { type: 'int', default: 1400, min: 300, max: 20_000, help: 'how much of the top of the page to keep' },
    },
    { usage: 'npx tsx tools/docs/screenshot.ts', summary: 'Screenshot the top of report/index.html into docs/report.png.' },
  );
  const report = resolve(flags.report);
  if (!existsSync(report)) throw new ScreenshotError(`${report} does not exist; run npm start first`);
  const browser = ensureChromium();
  if (!browser.ok) throw new ScreenshotError(browser.reason);
  await withPage(
    async (page) => {
      await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
      const full = Number(await page.evaluate('document.documentElement.scrollHeight'));
      const png = await page.screenshot({
        path: resolve(flags.out),
        fullPage: true,
        clip: { x: 0, y: 0, width: flags.width, height: Math.min(full, flags.height) },
      });
      const stats = await pixelStats(page, png);
      if (stats.colours < 20)
        throw new ScreenshotError(
          `the screenshot looks blank (${stats.colours} colours); ${relative(process.cwd(), resolve(flags.out))} was written anyway, check it`,
        );
      console.log(`${relative(process.cwd(), resolve(flags.out))}: ${stats.width}×${stats.height}, ${stats.colours} colours`);
      // What the picture shows, recorded beside it so the docs check can tell when it is stale.
      const lessons = await page.locator('section.lesson').evaluateAll((sections) =>
        sections.map((s) => ({
          id: s.id.replace(/^lesson-/, ''),
          status: (s.querySelector('h2 .badge')?.className ?? '').replace(/^badge\s+/, ''),
        })),
      );
      const taken = (await page.locator('p.sub').first().innerText()).slice(0, 10);
      const record: ScreenshotRecord = {
        taken: /^\d{4}-\d\d-\d\d$/.test(taken) ? taken : new Date().toISOString().slice(0, 10),
        lessons,
        counts: countStatuses(lessons),
      };
      writeRecord(repoRoot, record);
      console.log(`docs/report.json and the README captions: ${caption(record)}`);
    },
    { executablePath: browser.path, viewport: { width: flags.width, height: 900 } },
  );
});
