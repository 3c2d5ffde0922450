// Lesson 05 inside a lab namespace with its loopback captured: the held ACKs
// are read off the packets, and tcpdump finds in the pcap what the lesson printed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verdictOf } from '@connlab/lab';
import { netnsUnavailableReason } from '@connlab/netns';
import { ensureTcpdump, missingFromTcpdump, readWithTcpdump } from '@connlab/pcap';
import { lesson } from './lesson.js';

const noNetns = netnsUnavailableReason();
const tcpdump = ensureTcpdump();

describe.skipIf(noNetns !== undefined)('lesson 05 on the wire', () => {
  const dir = mkdtempSync(join(tmpdir(), 'connlab-05-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures the ACK delay from packets and writes 05-nagle.pcap, which tcpdump reads as printed', async () => {
    const result = await lesson.run({ quick: true, progress: () => undefined, captureDir: dir });
    expect(result.checks.filter((c) => !c.passed)).toEqual([]);
    expect(verdictOf(result)).toBe('reproduced');
    const held = result.measurements.find((m) => m.label.startsWith('ACK held by the server on the wire'));
    expect(held!.value).toBeGreaterThanOrEqual(30);
    expect(result.figures.map((f) => f.kind)).toContain('ladder');
    const printed = result.lines.filter((l) => l.includes('Flags ['));
    expect(
      printed.some((l) => /server > client {2}Flags \[\.\], ack \d+, win \d+, length 0 +ACK held \d+(\.\d)? ms: delayed ACK$/.test(l)),
    ).toBe(true);

    if (!tcpdump.ok) return;
    const theirs = readWithTcpdump(tcpdump.path, join(dir, '05-nagle.pcap'));
    expect(missingFromTcpdump(printed, theirs)).toEqual([]);
    // The count the lesson printed, recounted from tcpdump's own reading: pure ACKs
    // from the server that came 30 ms or more after the segment before them. The lesson
    // times an ACK from the data it acknowledges, this recount from the packet before it,
    // so an ACK near the 30 ms line (a loaded CPU) may fall on different sides: allow one in five.
    const count = Number(/the server held (\d+) ACKs/.exec(result.lines.join('\n'))?.[1]);
    const serverPort = theirs[0]!.dst.split('.').pop();
    const slowAcks = theirs.filter(
      (t, i) => i > 0 && t.src.endsWith(`.${serverPort}`) && t.flags === '.' && t.length === 0 && t.time - theirs[i - 1]!.time >= 0.03,
    );
    expect(count).toBeGreaterThan(0);
    expect(Math.abs(slowAcks.length - count)).toBeLessThanOrEqual(Math.max(1, Math.round(count / 5)));
  });
});

if (noNetns !== undefined) describe('lesson 05 on the wire', () => it.skip(`skipped: ${noNetns}`, () => undefined));
if (!tcpdump.ok) console.warn(`tcpdump cross-check skipped: ${tcpdump.reason}`);
