// Traffic for the impairment tests, inside a delay line's namespace.
// argv[2]: 'sink' (UDP and TCP receivers; reports on request) or 'send'.
// Messages: { type: 'udp', host, port, count, size, gapMs } (gapMs after every 10) and
// { type: 'tcp', host, port, bytes } to the sender; { type: 'report' } to the sink.
import { createSocket } from 'node:dgram';
import net from 'node:net';
import { nextFromParent, sendToParent } from '@connlab/netns';
import { sleep, until } from '@connlab/lab';
import { getTcpInfo } from '@connlab/tcp-options';

type Command =
  | { type: 'udp'; host: string; port: number; count: number; size: number; gapMs: number }
  | { type: 'tcp'; host: string; port: number; bytes: number }
  | { type: 'report' }
  | { type: 'reset' }
  | { type: 'stop' };

const next = () => nextFromParent(() => true) as Promise<Command>;

if (process.argv[2] === 'sink') {
  let datagrams = 0;
  let outOfOrder = 0;
  let highest = -1;
  let tcpBytes = 0;
  const udp = createSocket('udp4', (msg) => {
    const seq = msg.readUInt32BE(0);
    datagrams++;
    if (seq < highest) outOfOrder++;
    highest = Math.max(highest, seq);
  });
  const tcp = net.createServer((s) => {
    s.on('data', (d: Buffer) => {
      tcpBytes += d.length;
    });
    s.on('end', () => s.end());
    s.on('error', () => undefined);
  });
  udp.bind(0, '0.0.0.0', () =>
    tcp.listen(0, '0.0.0.0', () => {
      sendToParent({ type: 'listening', udpPort: udp.address().port, tcpPort: (tcp.address() as net.AddressInfo).port });
    }),
  );
  for (;;) {
    const c = await next();
    if (c.type === 'stop') break;
    if (c.type === 'reset') [datagrams, outOfOrder, highest, tcpBytes] = [0, 0, -1, 0];
    if (c.type === 'report') sendToParent({ type: 'report', datagrams, outOfOrder, tcpBytes });
  }
  udp.close();
  tcp.close();
} else {
  for (;;) {
    const c = await next();
    if (c.type === 'stop') break;
    if (c.type === 'udp') {
      const udp = createSocket('udp4');
      for (let i = 0; i < c.count; i++) {
        const msg = Buffer.alloc(c.size);
        msg.writeUInt32BE(i, 0);
        await new Promise<void>((resolve) => udp.send(msg, c.port, c.host, () => resolve()));
        // A pause after every 10 (timers are 1 ms at best): no socket buffer on the way overflows.
        if (c.gapMs > 0 && i % 10 === 9) await sleep(c.gapMs);
      }
      udp.close();
      sendToParent({ type: 'sent', count: c.count });
    }
    if (c.type === 'tcp') {
      const socket = net.connect(c.port, c.host);
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(Buffer.alloc(c.bytes, 0x61));
      // Until the peer has acknowledged every byte (a retransmission included), then read the counters.
      const info = await until(
        `the peer to acknowledge all ${c.bytes} bytes`,
        () => {
          const now = getTcpInfo(socket);
          return now.unacked > 0 || (now.bytesAcked ?? 0) < c.bytes ? undefined : now;
        },
        10_000,
      );
      socket.end();
      sendToParent({ type: 'sent', totalRetrans: info.totalRetrans, sndMss: info.sndMss });
    }
  }
}
process.disconnect();
