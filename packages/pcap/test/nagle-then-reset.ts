// A capture fixture run inside a namespace by capture.test.ts: write-write-read
// requests with Nagle on (delayed ACKs), then a server that closes with unread input (an RST).
import net from 'node:net';
import { once } from 'node:events';

async function listen(onSocket: (s: net.Socket) => void, options: net.ServerOpts = {}): Promise<net.Server> {
  const server = net.createServer(options, onSocket).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const port = (server: net.Server) => (server.address() as net.AddressInfo).port;

export async function run(args: { requests: number }): Promise<{ naglePort: number; resetPort: number }> {
  const nagle = await listen((s) => {
    let got = 0;
    s.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (got >= 10) {
        got -= 10;
        s.write('ok');
      }
    });
  });
  const naglePort = port(nagle);
  const client = net.connect(naglePort, '127.0.0.1');
  await once(client, 'connect');
  for (let i = 0; i < args.requests; i++) {
    client.write('head');
    client.write('body!!');
    await once(client, 'data');
  }
  client.destroy();
  nagle.close();

  // The server never reads (paused before the first read), then closes: the kernel answers unread input with an RST.
  const reset = await listen(
    (s) => {
      s.on('error', () => undefined);
      setTimeout(() => s.destroy(), 50);
    },
    { pauseOnConnect: true },
  );
  const resetPort = port(reset);
  const uploader = net.connect(resetPort, '127.0.0.1');
  uploader.on('error', () => undefined);
  await once(uploader, 'connect');
  uploader.write(Buffer.alloc(4096, 0x61));
  await new Promise((resolve) => uploader.once('close', resolve));
  reset.close();
  return { naglePort, resetPort };
}
