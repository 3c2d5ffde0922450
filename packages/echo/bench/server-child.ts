// A benchmark's echo server, in its own process so the client and the server
// each get a CPU and the server's memory can be measured alone.
// argv[2]: pipe | connlab | connlab-16 | naive
import net from 'node:net';
import { createEchoServer } from '../src/index.js';

interface Report {
  type: 'report';
  peakRss: number;
  rss: number;
  peakBuffered: number;
  cpuMicros: number;
}

const kind = process.argv[2];
let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 10);

let peakBuffered = (): number => 0;
let port: number;

if (kind === 'connlab' || kind === 'connlab-16') {
  const server = await createEchoServer({ port: 0, ...(kind === 'connlab-16' ? { readSize: 16 } : {}) });
  port = (server.address as { port: number }).port;
  peakBuffered = () => server.stats.peakBufferedBytes;
} else if (kind === 'pipe' || kind === 'naive') {
  let peak = 0;
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    if (kind === 'pipe') {
      socket.pipe(socket);
      return;
    }
    // The mistake the backpressure rule prevents: write() returns false and we keep reading anyway.
    socket.on('data', (chunk: Buffer) => {
      socket.write(chunk);
      if (socket.writableLength > peak) peak = socket.writableLength;
    });
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
  peakBuffered = () => peak;
} else {
  throw new Error(`unknown server kind ${String(kind)}`);
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'reset') {
    peakRss = process.memoryUsage.rss();
    process.send?.({ type: 'reset-done' });
  } else if (message.type === 'report') {
    const rss = process.memoryUsage.rss();
    const { user, system } = process.cpuUsage();
    const report: Report = { type: 'report', peakRss: Math.max(peakRss, rss), rss, peakBuffered: peakBuffered(), cpuMicros: user + system };
    process.send?.(report);
  }
});
process.on('disconnect', () => {
  clearInterval(sampler);
  process.exit(0);
});
process.send?.({ type: 'ready', port });
