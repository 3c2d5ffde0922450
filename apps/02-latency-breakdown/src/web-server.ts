// The server every request in this lesson goes to: @connlab/http answering
// with a small page after a fixed "processing" time, so that the server's
// share of the wait is known.
import { createServer } from '@connlab/http';
import type { HttpServer } from '@connlab/http';
import { sleep } from '@connlab/lab';

/** A small page, about the size of a simple HTML document: one or two packets. */
export const PAGE = `<!doctype html><title>connlab</title><p>${'hello, world. '.repeat(60)}</p>\n`;

export async function startWebServer(host: string, processingMs: number): Promise<{ server: HttpServer; port: number }> {
  const server = createServer(
    async () => {
      if (processingMs > 0) await sleep(processingMs);
      return { headers: { 'Content-Type': 'text/html' }, body: PAGE };
    },
    { keepAliveTimeoutMs: 30_000, date: false },
  );
  const { port } = await server.listen(0, host);
  return { server, port };
}
