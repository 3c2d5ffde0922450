// Real packets: a run inside a network namespace with its loopback captured,
// then the file read back by this package and by tcpdump.
import { describe, expect, it } from 'vitest';
import { netnsUnavailableReason } from '@connlab/netns';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { annotate, ensureTcpdump, flagLetters, readWithTcpdump, runCaptured, tcpSegments } from './index.js';

const noNetns = netnsUnavailableReason();
const tcpdump = ensureTcpdump();

describe.skipIf(noNetns !== undefined)('live capture in a namespace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'connlab-pcap-test-'));
  const path = join(dir, 'run.pcap');

  it('captures delayed ACKs of ~40 ms and the RST of a close with unread data, and tcpdump reads the same segments', async () => {
    try {
      const { result, capture } = await runCaptured<{ naglePort: number; resetPort: number }>(
        new URL('../test/nagle-then-reset.ts', import.meta.url),
        'run',
        { requests: 8 },
        { pcapPath: path },
      );
      expect(capture).toBeDefined();
      expect(capture!.dropped).toBe(0);
      const segments = tcpSegments(capture!.linkType, capture!.packets);
      const lines = annotate(segments);
      const nagle = lines.filter((l) => l.segment.srcPort === result.naglePort || l.segment.dstPort === result.naglePort);
      const reset = lines.filter((l) => l.segment.srcPort === result.resetPort || l.segment.dstPort === result.resetPort);
      const held = nagle.filter((l) => l.kind === 'delayed-ack').map((l) => l.heldMs!);
      // Linux holds an ACK at least TCP_DELACK_MIN = 40 ms (include/net/tcp.h); quick-ACK mode spares the first few.
      expect(held.length).toBeGreaterThan(0);
      for (const ms of held) {
        expect(ms).toBeGreaterThan(30);
        expect(ms).toBeLessThan(250);
      }
      expect(nagle.some((l) => l.kind === 'nagle-release')).toBe(true);
      const rst = reset.find((l) => l.kind === 'rst');
      expect(rst).toMatchObject({ from: 'server', annotation: 'RST: data left unread' });

      if (!tcpdump.ok) return;
      const theirs = readWithTcpdump(tcpdump.path, path);
      expect(theirs.map((l) => [l.flags, l.length])).toEqual(segments.map((s) => [flagLetters(s.flags), s.payloadLength]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

if (noNetns !== undefined) {
  describe('live capture in a namespace', () => {
    it.skip(`skipped: ${noNetns}`, () => undefined);
  });
}
if (!tcpdump.ok) console.warn(`tcpdump cross-check skipped: ${tcpdump.reason}`);
