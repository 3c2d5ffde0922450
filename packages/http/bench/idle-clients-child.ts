// Open N keep-alive connections to 127.0.0.1:PORT, make one request on each,
// then leave them idle. Prints "ready <open>" and holds them until killed.
import net from 'node:net';

const port = Number(process.argv[2]);
const count = Number(process.argv[3] ?? 10_000);
const BATCH = 200; // stay under the listen backlog (511)
const REQUEST = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
const sockets: net.Socket[] = [];

function one(): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(REQUEST));
    s.once('data', () => resolve());
    s.on('error', () => resolve());
    sockets.push(s);
  });
}

for (let i = 0; i < count; i += BATCH) {
  await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, one));
}
const open = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
console.log(`ready ${open}`);
process.on('SIGTERM', () => {
  for (const s of sockets) s.destroy();
  process.exit(0);
});
setInterval(() => undefined, 1 << 30);
