// The page's server, started inside the delay line's server namespace.
// argv: <address> <images> <imageBytes>. Reports { kind: 'ready', port },
// exits when the parent disconnects.
import { createServer } from '@connlab/http';
import { pageHandler } from './page.js';

export type ServerChildMessage = { kind: 'ready'; port: number };

async function main(): Promise<void> {
  const [address = '0.0.0.0', images = '8', imageBytes = '1024'] = process.argv.slice(2);
  const server = createServer(pageHandler({ images: Number(images), imageBytes: Number(imageBytes) }), { keepAliveTimeoutMs: 60_000 });
  const { port } = await server.listen(0, address);
  process.on('disconnect', () => {
    void server.close({ graceMs: 100 }).then(() => process.exit(0));
  });
  process.send?.({ kind: 'ready', port } satisfies ServerChildMessage);
}

void main();
