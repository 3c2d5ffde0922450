// The page the lesson loads: one HTML document that names N images.
import type { Handler } from '@connlab/http';

export interface PageSpec {
  /** How many images the HTML refers to. */
  images: number;
  /** Bytes per image; small, so round trips dominate, as in the book's figure. */
  imageBytes: number;
}

/** Paths of the objects in the order a browser asks for them: the HTML, then its images. */
export function objectPaths(page: PageSpec): string[] {
  return ['/index.html', ...Array.from({ length: page.images }, (_, i) => `/img/${i + 1}.gif`)];
}

/** The HTML document: a list of <img> tags. */
export function html(page: PageSpec): string {
  const imgs = objectPaths(page)
    .slice(1)
    .map((p) => `<img src="${p}" width="32" height="32">`)
    .join('\n');
  return `<!doctype html>\n<title>A page with ${page.images} images</title>\n${imgs}\n`;
}

/**
 * A handler for @connlab/http's server that serves the page and its images
 * (image bodies are filler bytes: only their size matters here).
 */
export function pageHandler(page: PageSpec): Handler {
  const doc = html(page);
  const image = Buffer.alloc(page.imageBytes, 0x47);
  return (req) => {
    if (req.target === '/index.html') return { headers: { 'Content-Type': 'text/html' }, body: doc };
    if (/^\/img\/\d+\.gif$/.test(req.target)) return { headers: { 'Content-Type': 'image/gif' }, body: image };
    return { status: 404, body: 'not found\n' };
  };
}

/** The image paths a browser finds in the HTML. */
export function imagesIn(htmlText: string): string[] {
  return [...htmlText.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]!);
}
