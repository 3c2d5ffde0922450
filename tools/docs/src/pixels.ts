/// <reference lib="dom" />
// "Is this picture blank?" measured by the browser itself: decode a PNG on a
// canvas and count its colours, so no image library is needed.
import type { BrowserContext, Page } from 'playwright-core';

const probes = new WeakMap<BrowserContext, Page>();

export interface PixelStats {
  width: number;
  height: number;
  /** Distinct colours (RGBA) in the image. */
  colours: number;
  /** Share of pixels that differ from the top-left pixel (the background). */
  inked: number;
}

/**
 * Decode a PNG in a blank page of the same browser and measure it.
 *
 * @example
 * const stats = await pixelStats(page, await page.screenshot());
 * stats.colours > 2; // something was drawn
 */
export async function pixelStats(page: Page, png: Buffer): Promise<PixelStats> {
  // One blank page per browser context does all the decoding; it closes with the context.
  let probe = probes.get(page.context());
  if (!probe || probe.isClosed()) {
    probe = await page.context().newPage();
    probes.set(page.context(), probe);
  }
  return probe.evaluate(async (base64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${base64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d canvas context');
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = new Set<number>();
    let inked = 0;
    const bg = ((data[0] ?? 0) << 24) | ((data[1] ?? 0) << 16) | ((data[2] ?? 0) << 8) | (data[3] ?? 0);
    for (let i = 0; i < data.length; i += 4) {
      const c = ((data[i] ?? 0) << 24) | ((data[i + 1] ?? 0) << 16) | ((data[i + 2] ?? 0) << 8) | (data[i + 3] ?? 0);
      colours.add(c);
      if (c !== bg) inked++;
    }
    return { width: canvas.width, height: canvas.height, colours: colours.size, inked: inked / Math.max(1, data.length / 4) };
  }, png.toString('base64'));
}
