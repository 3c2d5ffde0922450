// The delay line's capture hook: every frame it forwards lands in a pcap file,
// as the client's end of the line sees it, so the line's round trip shows in the file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { annotate, ensureTcpdump, flagLetters, readPcapFile, readWithTcpdump, tcpSegments } from '@connlab/pcap';
import { afterAll, describe, expect, it } from 'vitest';
import { DelayLine, delayLineUnavailable } from './delay-line.js';
import { measureLineRtt } from './line-probe.js';

const reason = delayLineUnavailable();
const tcpdump = ensureTcpdump();

describe.skipIf(reason !== undefined)('delay line capture', () => {
  const dir = mkdtempSync(join(tmpdir(), 'connlab-line-capture-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every forwarded frame to a pcap file in time order, each handshake 2 × 20 ms long as the client sees it', async () => {
    const path = join(dir, 'line.pcap');
    const line = await DelayLine.open({ delayMs: 20, capturePath: path });
    let forwarded: number;
    try {
      await measureLineRtt(line, 3, 1);
      const stats = await line.stats();
      forwarded = stats.clientToServer.passed + stats.serverToClient.passed;
    } finally {
      await line.close();
    }
    const file = await readPcapFile(path);
    // Frames the line forwarded, plus any the stats reply raced with; nothing is lost on close.
    expect(file.packets.length).toBeGreaterThanOrEqual(forwarded);
    const times = file.packets.map((p) => p.timestampUs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const lines = annotate(tcpSegments(file.linkType, file.packets));
    const syns = lines.filter((l) => l.kind === 'syn');
    expect(syns.length).toBeGreaterThanOrEqual(3);
    for (const syn of syns) {
      const synAck = lines.find((l) => l.connection === syn.connection && l.kind === 'syn-ack')!;
      expect(synAck.timeMs - syn.timeMs).toBeGreaterThan(39.5);
      expect(synAck.timeMs - syn.timeMs).toBeLessThan(45);
    }
    if (!tcpdump.ok) return;
    const theirs = readWithTcpdump(tcpdump.path, path);
    expect(theirs.map((t) => t.flags)).toEqual(lines.map((l) => flagLetters(l.segment.flags)));
  }, 60_000);
});

if (reason !== undefined) describe('delay line capture', () => it.skip(`skipped: ${reason}`, () => undefined));
if (!tcpdump.ok) console.warn(`tcpdump cross-check skipped: ${tcpdump.reason}`);
