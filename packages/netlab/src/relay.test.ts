import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sleep } from '@connlab/lab';
import { FaultRelay } from './relay.js';
import { serveRelayControl } from './relay-control.js';
import type { RelayControl } from './relay-control.js';

let echo: Server;
let relay: FaultRelay;
let control: RelayControl | undefined;
const sockets: Socket[] = [];

beforeEach(async () => {
  echo = createServer((s) => {
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
    s.on('error', () => s.destroy());
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  relay = await FaultRelay.start({ target: { host: '127.0.0.1', port: (echo.address() as AddressInfo).port } });
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await control?.close();
  control = undefined;
  await relay.close();
  await new Promise((r) => echo.close(r));
});

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: relay.port }, () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
    sockets.push(s);
  });
}

/** Send `payload` and resolve with the time until all of it has come back. */
function roundTrip(s: Socket, payload: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let got = 0;
    const onData = (d: Buffer): void => {
      got += d.length;
      if (got >= payload.length) {
        s.off('data', onData);
        resolve(performance.now() - t0);
      }
    };
    s.on('data', onData).once('error', reject);
    s.write(payload);
  });
}

describe('FaultRelay', () => {
  it('adds the configured latency in each direction (within 20 %)', async () => {
    const s = await open();
    const base = await roundTrip(s, Buffer.from('x'));
    relay.add({ type: 'latency', direction: 'upstream', ms: 40 });
    relay.add({ type: 'latency', direction: 'downstream', ms: 60 });
    const rtts: number[] = [];
    for (let i = 0; i < 5; i++) rtts.push(await roundTrip(s, Buffer.from('x')));
    rtts.sort((a, b) => a - b);
    const added = rtts[2]! - base;
    expect(added).toBeGreaterThan(100 * 0.8);
    expect(added).toBeLessThan(100 * 1.2);
  });

  it('paces a direction to the bandwidth limit (within 20 %)', async () => {
    relay.add({ type: 'bandwidth', direction: 'downstream', bytesPerSecond: 1_000_000 });
    const s = await open();
    // Rate seen by the reader from its first byte to its last, so connection setup and upload do not count.
    let first = 0;
    let firstBytes = 0;
    let got = 0;
    const total = 500_000;
    const last = await new Promise<number>((resolve) => {
      s.on('data', (d: Buffer) => {
        if (!first) {
          first = performance.now();
          firstBytes = d.length;
        }
        got += d.length;
        if (got >= total) resolve(performance.now());
      });
      s.write(Buffer.alloc(total, 1));
    });
    const rate = (total - firstBytes) / ((last - first) / 1000);
    expect(rate).toBeGreaterThan(1_000_000 * 0.8);
    expect(rate).toBeLessThan(1_000_000 * 1.2);
  });

  it('resets the connection after N bytes: the client sees ECONNRESET and only N bytes', async () => {
    relay.add({ type: 'reset', direction: 'downstream', afterBytes: 1000 });
    const s = await open();
    let got = 0;
    s.on('data', (d: Buffer) => (got += d.length));
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      s.once('error', resolve);
      s.write(Buffer.alloc(5000, 1));
    });
    expect(error.code).toBe('ECONNRESET');
    expect(got).toBeLessThanOrEqual(1000);
  });

  it('slices writes into small pieces that arrive spread out in time', async () => {
    relay.add({ type: 'slicer', direction: 'downstream', size: 10, delayMs: 10 });
    const s = await open();
    const reads: { at: number; bytes: number }[] = [];
    s.on('data', (d: Buffer) => reads.push({ at: performance.now(), bytes: d.length }));
    await roundTrip(s, Buffer.alloc(100, 1));
    // Ten 10-byte pieces 10 ms apart: the reader cannot get them all at once.
    expect(reads.length).toBeGreaterThanOrEqual(3);
    expect(reads.every((r) => r.bytes % 10 === 0)).toBe(true);
    expect(reads.at(-1)!.at - reads[0]!.at).toBeGreaterThan(90 * 0.8);
  });

  it('holds a new connection for the connect delay before the first byte passes', async () => {
    relay.add({ type: 'connect-delay', ms: 80 });
    const t0 = performance.now();
    const s = await open();
    const connectMs = performance.now() - t0;
    const firstMs = await roundTrip(s, Buffer.from('x'));
    expect(connectMs).toBeLessThan(40);
    expect(firstMs).toBeGreaterThan(80 * 0.8);
  });

  it('blackholes a direction (nothing arrives) until the fault is removed live', async () => {
    const id = relay.add({ type: 'blackhole', direction: 'upstream' });
    const s = await open();
    const lost = await Promise.race([roundTrip(s, Buffer.from('lost')), sleep(150).then(() => 'timeout')]);
    expect(lost).toBe('timeout');
    relay.remove(id);
    s.removeAllListeners('data');
    expect(await roundTrip(s, Buffer.from('back'))).toBeLessThan(100);
  });

  it('forgets a connection idle longer than forget-idle, silently, while one with traffic more often stays', async () => {
    relay.add({ type: 'forget-idle', ms: 200 });
    const idle = await open();
    const busy = await open();
    expect(await roundTrip(idle, Buffer.from('first'))).toBeLessThan(100);
    for (let i = 0; i < 4; i++) {
      await sleep(100);
      busy.removeAllListeners('data');
      expect(await roundTrip(busy, Buffer.from('beat'))).toBeLessThan(100);
    }
    idle.removeAllListeners('data');
    const lost = await Promise.race([roundTrip(idle, Buffer.from('after 400 ms idle')), sleep(150).then(() => 'no answer')]);
    expect(lost).toBe('no answer');
    expect(idle.destroyed).toBe(false);
    expect(
      relay
        .connections()
        .map((c) => c.forgotten)
        .sort(),
    ).toEqual([false, true]);
  });

  it('delays passing on a FIN by the slow-close time', async () => {
    relay.add({ type: 'slow-close', ms: 120 });
    const s = await open();
    const t0 = performance.now();
    const ended = new Promise<number>((r) => s.once('end', () => r(performance.now() - t0)));
    s.resume();
    s.end();
    // Our FIN waits 120 ms to reach the server; its FIN waits another 120 ms to reach us.
    expect(await ended).toBeGreaterThan(200);
  });

  it('takes faults over its HTTP control endpoint while a connection is live', async () => {
    control = await serveRelayControl(relay);
    const s = await open();
    const before = await roundTrip(s, Buffer.from('x'));
    const res = await fetch(`${control.url}/faults`, {
      method: 'POST',
      body: JSON.stringify({ type: 'latency', direction: 'downstream', ms: 80 }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect(await roundTrip(s, Buffer.from('x'))).toBeGreaterThan(before + 60);
    const listed = (await (await fetch(`${control.url}/connections`)).json()) as unknown[];
    expect(listed).toHaveLength(1);
    expect((await fetch(`${control.url}/faults/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await roundTrip(s, Buffer.from('x'))).toBeLessThan(40);
    const badRes = await fetch(`${control.url}/faults`, {
      method: 'POST',
      body: JSON.stringify({ type: 'latency', direction: 'sideways', ms: 1 }),
    });
    expect(badRes.status).toBe(400);
    expect(((await badRes.json()) as { error: string }).error).toMatch(/"direction" must be upstream or downstream/);
  });
});
