import { netnsAvailability } from '@connlab/netns';
import type { NamespaceChild } from '@connlab/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '@connlab/lab';
import { DelayLine, delayLineUnavailable } from './delay-line.js';
import { tcpSegment } from './impairment.js';
import { DelayQueue } from './link-model.js';

/** An Ethernet + IPv4 + TCP frame with `payload` bytes of data. */
function frame(payload: number, flags = 0x18): Buffer {
  const f = Buffer.alloc(14 + 20 + 32 + payload);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45; // IPv4, 20-byte header
  f.writeUInt16BE(20 + 32 + payload, 16);
  f[14 + 9] = 6; // TCP
  const tcp = 34;
  f.writeUInt16BE(40000, tcp);
  f.writeUInt16BE(80, tcp + 2);
  f.writeUInt32BE(12345, tcp + 4);
  f[tcp + 12] = 8 << 4; // 32-byte header (timestamps)
  f[tcp + 13] = flags;
  return f;
}

let seed = 7;
const random = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;

describe('impairments, frame by frame', () => {
  it('reads a TCP segment out of an Ethernet frame, and nothing out of other frames', () => {
    expect(tcpSegment(frame(1448))).toEqual({ srcPort: 40000, dstPort: 80, seq: 12345, flags: 0x18, payloadBytes: 1448 });
    expect(tcpSegment(frame(0, 0x10))?.payloadBytes).toBe(0);
    const udp = frame(10);
    udp[14 + 9] = 17;
    expect(tcpSegment(udp)).toBeUndefined();
    expect(tcpSegment(Buffer.alloc(20))).toBeUndefined();
  });

  it('drops exactly the 5th data segment; ACKs do not count, and a new shape starts counting again', () => {
    const q = new DelayQueue<number>({ delayMs: 0, dropSegments: [5] });
    const fates = Array.from({ length: 8 }, (_, i) => q.push(i, i, 1500, tcpSegment(frame(1448))) === undefined);
    expect(fates).toEqual([false, false, false, false, true, false, false, false]);
    expect(q.push(9, 99, 66, tcpSegment(frame(0, 0x10)))).toBeDefined();
    expect(q.counts.dropped).toBe(1);
    q.shape = { delayMs: 0, dropSegments: [1] };
    expect(q.push(10, 100, 1500, tcpSegment(frame(100)))).toBeUndefined();
  });

  it('with reorder, jitter lets later packets overtake earlier ones, and counts them', () => {
    const q = new DelayQueue<number>({ delayMs: 10, jitterMs: 5, reorder: true }, random);
    for (let i = 0; i < 200; i++) q.push(i * 0.1, i);
    const out = q.takeDue(1000);
    expect(out).toHaveLength(200);
    const overtaken = out.filter((v, i) => out.slice(0, i).some((u) => u > v)).length;
    expect(q.counts.reordered).toBeGreaterThan(50);
    expect(overtaken).toBeGreaterThan(50);
    // Departure order follows the departure times, never a packet after a later-due one.
    expect(q.takeDue(2000)).toEqual([]);
  });

  it('forgets a flow idle longer than forgetIdleMs: its next frames are dropped, a new SYN starts a new flow', () => {
    const q = new DelayQueue<number>({ delayMs: 0, forgetIdleMs: 1000 });
    const syn = tcpSegment(frame(0, 0x02));
    const data = tcpSegment(frame(100));
    expect(q.push(0, 1, 66, data)).toBeUndefined(); // never saw its SYN
    expect(q.push(10, 2, 66, syn)).toBeDefined();
    expect(q.push(900, 3, 166, data)).toBeDefined(); // idle 890 ms: known
    expect(q.push(1800, 4, 166, data)).toBeDefined(); // idle 900 ms again: still known
    expect(q.push(2900, 5, 166, data)).toBeUndefined(); // idle 1100 ms: forgotten
    expect(q.push(2901, 6, 166, data)).toBeUndefined(); // and stays forgotten
    expect(q.push(3000, 7, 66, syn)).toBeDefined();
    expect(q.counts.forgotten).toBe(3);
    expect(q.push(3001, 8, 100)).toBeDefined(); // not TCP: the table does not apply
  });

  it('tail-drops at a byte limit and frees the bytes as packets leave', () => {
    const q = new DelayQueue<number>({ delayMs: 5, limitBytes: 3000 });
    expect([q.push(0, 1, 1500), q.push(0, 2, 1500), q.push(0, 3, 1500)].map((d) => d !== undefined)).toEqual([true, true, false]);
    expect(q.counts.overflow).toBe(1);
    q.takeDue(5);
    expect(q.push(6, 4, 1500)).toBeDefined();
  });
});

const why = delayLineUnavailable();

describe.skipIf(why !== undefined)(`impairments on real sockets through the delay line (${why ?? netnsAvailability().mode})`, () => {
  let line: DelayLine;
  let sink: NamespaceChild;
  let sender: NamespaceChild;
  let ports: { udpPort: number; tcpPort: number };
  const is =
    (type: string) =>
    (m: unknown): boolean =>
      (m as { type?: string }).type === type;
  const child = new URL('../test/impair-child.ts', import.meta.url);

  beforeAll(async () => {
    line = await DelayLine.open({ delayMs: 5 });
    sink = line.spawnNode('server', child, ['sink']);
    sender = line.spawnNode('client', child, ['send']);
    ports = (await sink.nextMessage(is('listening'), 20_000)) as typeof ports;
  }, 60_000);
  afterAll(async () => {
    sink.send({ type: 'stop' });
    sender.send({ type: 'stop' });
    await line.close();
  });

  async function udp(count: number, size: number, gapMs: number) {
    sink.send({ type: 'reset' });
    sender.send({ type: 'udp', host: line.server.address, port: ports.udpPort, count, size, gapMs });
    await sender.nextMessage(is('sent'), 60_000);
    await sleep(200); // the last datagrams are still on the line
    sink.send({ type: 'report' });
    return (await sink.nextMessage(is('report'), 10_000)) as { datagrams: number; outOfOrder: number };
  }

  it('loses 10 % of datagrams at random: the fraction observed is within 0.1 ± 0.03 and matches the pump', async () => {
    await line.reshape({ clientToServer: { delayMs: 5, loss: 0.1 } });
    const before = (await line.stats()).clientToServer;
    const got = await udp(1000, 100, 1);
    const after = (await line.stats()).clientToServer;
    const lost = after.lost - before.lost;
    const observed = 1 - got.datagrams / 1000;
    console.log(`random loss 0.1: observed ${observed.toFixed(3)} (${1000 - got.datagrams} of 1000), pump counted ${lost}`);
    expect(Math.abs(observed - 0.1)).toBeLessThan(0.03);
    expect(lost).toBe(1000 - got.datagrams);
  }, 60_000);

  it('drops the 5th data segment of a TCP transfer once: the sender retransmits it and every byte arrives', async () => {
    await line.reshape({ clientToServer: { delayMs: 5, dropSegments: [5] } });
    sink.send({ type: 'reset' });
    sender.send({ type: 'tcp', host: line.server.address, port: ports.tcpPort, bytes: 20 * 1448 });
    const sent = (await sender.nextMessage(is('sent'), 30_000)) as { totalRetrans: number };
    sink.send({ type: 'report' });
    const report = (await sink.nextMessage(is('report'), 10_000)) as { tcpBytes: number };
    const stats = (await line.stats()).clientToServer;
    expect(stats.dropped).toBe(1);
    expect(sent.totalRetrans).toBeGreaterThanOrEqual(1);
    expect(report.tcpBytes).toBe(20 * 1448);
  }, 60_000);

  it('reorders datagrams under jitter only when asked, and says how many', async () => {
    await line.reshape({ clientToServer: { delayMs: 10, jitterMs: 4 } });
    expect((await udp(200, 100, 1)).outOfOrder).toBe(0);
    await line.reshape({ clientToServer: { delayMs: 10, jitterMs: 4, reorder: true } });
    const before = (await line.stats()).clientToServer.reordered;
    const got = await udp(200, 100, 1);
    const reordered = (await line.stats()).clientToServer.reordered - before;
    console.log(
      `jitter ±4 ms with reorder: ${got.outOfOrder} of ${got.datagrams} datagrams arrived after a later one; pump moved ${reordered} ahead`,
    );
    expect(got.outOfOrder).toBeGreaterThan(0);
    expect(reordered).toBeGreaterThan(0);
  }, 60_000);

  it('tail-drops a burst at a 10 Mbit/s bottleneck with a 15 kB queue', async () => {
    await line.reshape({ clientToServer: { delayMs: 5, rateMbit: 10, limitBytes: 15_000 } });
    const before = (await line.stats()).clientToServer.overflow;
    const got = await udp(100, 1000, 0);
    const overflow = (await line.stats()).clientToServer.overflow - before;
    console.log(`burst of 100 × 1000 B into 15 kB at 10 Mbit/s: ${got.datagrams} arrived, ${overflow} tail-dropped`);
    expect(overflow).toBeGreaterThan(0);
    expect(got.datagrams + overflow).toBe(100);
  }, 60_000);
});
