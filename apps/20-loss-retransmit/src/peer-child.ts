// Both ends of the lesson's transfers, inside the delay line's namespaces.
// argv[2] 'sink' (server side): accepts connections and reads everything.
// argv[2] 'send' (client side): on { type: 'transfer' } sends a fixed number
// of bytes and times it until the last byte is acknowledged; on
// { type: 'timed' } keeps the connection busy for a while and reports the
// goodput. Each reports TCP_INFO's retransmission counters.
import net from 'node:net';
import { sleep } from '@connlab/lab';
import { answerParent, nextFromParent, sendToParent } from '@connlab/netns';
import { getTcpInfo, setCongestion } from '@connlab/tcp-options';
import type { PeerCommand, SendReport } from './messages.js';

function connect(host: string, port: number, congestion: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host, () => {
      socket.setNoDelay(true);
      setCongestion(socket, congestion);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function report(socket: net.Socket, ms: number, bytes: number): SendReport {
  const info = getTcpInfo(socket);
  return {
    type: 'sent',
    ms,
    bytesAcked: info.bytesAcked ?? 0,
    goodputMbit: ((info.bytesAcked ?? bytes) * 8) / ms / 1000,
    totalRetrans: info.totalRetrans,
    totalRto: info.totalRto,
    sndMss: info.sndMss,
    sndCwnd: info.sndCwnd,
    rttMs: info.rttUs / 1000,
    rtoMs: info.rtoUs / 1000,
  };
}

/** Send `bytes` at once; done when the peer has acknowledged all of them. */
async function transfer(host: string, port: number, bytes: number, congestion: string): Promise<SendReport> {
  const socket = await connect(host, port, congestion);
  const t0 = performance.now();
  socket.write(Buffer.alloc(bytes, 0x61));
  // 1 ms polls: the lesson compares repairs that differ by tens of ms.
  for (let i = 0; i < 20_000 && (getTcpInfo(socket).bytesAcked ?? 0) < bytes; i++) await sleep(1);
  const r = report(socket, performance.now() - t0, bytes);
  socket.destroy();
  return r;
}

/** Keep the send buffer full for `seconds`; goodput is what the peer acknowledged. */
async function timed(host: string, port: number, seconds: number, congestion: string): Promise<SendReport> {
  const socket = await connect(host, port, congestion);
  const chunk = Buffer.alloc(64 * 1024, 0x62);
  const t0 = performance.now();
  let stop = false;
  const pump = () => {
    while (!stop && socket.write(chunk)) {
      /* fill until the buffer is full */
    }
  };
  socket.on('drain', pump);
  pump();
  await sleep(seconds * 1000);
  stop = true;
  const r = report(socket, performance.now() - t0, 0);
  socket.destroy();
  return r;
}

if (process.argv[2] === 'sink') {
  const server = net.createServer((s) => {
    s.resume();
    s.on('error', () => undefined);
  });
  server.listen(0, '0.0.0.0', () => sendToParent({ type: 'listening', port: (server.address() as net.AddressInfo).port }));
  await nextFromParent((m) => (m as { type?: string }).type === 'stop');
  server.close();
} else {
  await answerParent((c: Exclude<PeerCommand, { type: 'stop' }>) =>
    c.type === 'transfer' ? transfer(c.host, c.port, c.bytes, c.congestion) : timed(c.host, c.port, c.seconds, c.congestion),
  );
}
process.disconnect();
