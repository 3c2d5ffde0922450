// A small TCP tool that runs inside a delay line's namespaces (spawned by
// line-probe.ts): `serve` listens for echo and sink connections; `rtt` and
// `send` measure the line from the client side. Results go to the parent over IPC.
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { sendToParent } from '@connlab/netns';
import { getTcpInfo } from '@connlab/tcp-options';

function now(): number {
  return performance.now();
}

function serve(): void {
  const echo = createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
    s.on('error', () => s.destroy());
  });
  // The sink times its own receiving: first byte to end, so the figure is the line's rate, not startup.
  const sink = createServer((s) => {
    let bytes = 0;
    let first = 0;
    s.on('data', (d: Buffer) => {
      if (!first) first = now();
      bytes += d.length;
    });
    s.on('end', () => s.end(JSON.stringify({ bytes, ms: now() - first })));
    s.on('error', () => s.destroy());
  });
  let ready = 0;
  const listening = (): void => {
    if (++ready < 2) return;
    sendToParent({ type: 'listening', echoPort: (echo.address() as AddressInfo).port, sinkPort: (sink.address() as AddressInfo).port });
  };
  echo.listen(0, '0.0.0.0', listening);
  sink.listen(0, '0.0.0.0', listening);
}

function open(host: string, port: number): Promise<{ socket: Socket; connectMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const socket = connect({ host, port }, () => resolve({ socket, connectMs: now() - t0 }));
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

async function rtt(host: string, port: number, connections: number, pings: number): Promise<void> {
  const connectMs: number[] = [];
  const kernelMs: number[] = [];
  const pingMs: number[] = [];
  for (let c = 0; c < connections; c++) {
    const { socket, connectMs: ms } = await open(host, port);
    connectMs.push(ms);
    // Right after the handshake, tcpi_rtt holds the SYN → SYN/ACK sample the
    // kernel took itself: the line's RTT without either program's scheduling.
    kernelMs.push(getTcpInfo(socket).rttUs / 1000);
    for (let i = 0; i < pings; i++) {
      const t0 = now();
      await new Promise<void>((resolve) => {
        socket.once('data', () => resolve());
        socket.write('x');
      });
      pingMs.push(now() - t0);
    }
    socket.destroy();
  }
  sendToParent({ type: 'rtt', connectMs, kernelMs, pingMs });
}

async function send(host: string, port: number, bytes: number): Promise<void> {
  const { socket } = await open(host, port);
  const t0 = now();
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  const reply = new Promise<string>((resolve) => {
    let text = '';
    socket
      .setEncoding('utf8')
      .on('data', (d: string) => (text += d))
      .on('end', () => resolve(text));
  });
  while (sent < bytes) {
    const n = Math.min(chunk.length, bytes - sent);
    sent += n;
    if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) await new Promise((r) => socket.once('drain', r));
  }
  socket.end();
  const received = JSON.parse(await reply) as { bytes: number; ms: number };
  sendToParent({ type: 'sent', bytes: received.bytes, receiverMs: received.ms, senderMs: now() - t0 });
  socket.destroy();
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'serve') serve();
else if (mode === 'rtt') await rtt(rest[0]!, Number(rest[1]), Number(rest[2]), Number(rest[3]));
else if (mode === 'send') await send(rest[0]!, Number(rest[1]), Number(rest[2]));
else throw new Error(`probe: unknown mode ${mode ?? ''}`);
if (mode !== 'serve') process.disconnect();
