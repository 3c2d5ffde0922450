// Lesson 13 inside a lab namespace with its loopback captured: the RST is found
// on the wire, and tcpdump finds in the pcap what the lesson printed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verdictOf } from '@connlab/lab';
import type { LessonResult } from '@connlab/lab';
import { netnsUnavailableReason } from '@connlab/netns';
import type { TcpdumpLine } from '@connlab/pcap';
import { ensureTcpdump, missingFromTcpdump, readWithTcpdump } from '@connlab/pcap';
import { lesson } from './lesson.js';

const noNetns = netnsUnavailableReason();
const tcpdump = ensureTcpdump();
const tcpdumpPath = tcpdump.ok ? tcpdump.path : '';

describe.skipIf(noNetns !== undefined)('lesson 13 on the wire', () => {
  const dir = mkdtempSync(join(tmpdir(), 'connlab-13-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let result: LessonResult;
  let printed: string[];
  beforeAll(async () => {
    result = await lesson.run({ quick: true, progress: () => undefined, captureDir: dir });
    printed = result.lines.filter((l) => l.includes('Flags ['));
  }, 60_000);

  it('passes every check, so the effect is reproduced', () => {
    expect(result.checks.filter((c) => !c.passed)).toEqual([]);
    expect(verdictOf(result)).toBe('reproduced');
  });

  it('finds the server RST of every abrupt close on the wire', () => {
    const resets = result.measurements.find((m) => m.label === 'abrupt runs whose server sent an RST, on the wire')!;
    expect(`${resets.value} ${resets.unit}`).toBe('2 of 2');
  });

  it('prints the RST as a tcpdump-style line', () => {
    expect(printed.find((l) => l.includes('Flags [R.]'))).toMatch(
      /server > client {2}Flags \[R\.\], seq \d+, ack \d+, win \d+, length 0 +RST: data left unread$/,
    );
  });

  describe.skipIf(!tcpdump.ok)('read back by tcpdump', () => {
    let theirs: TcpdumpLine[];
    beforeAll(() => {
      theirs = readWithTcpdump(tcpdumpPath, join(dir, '13-graceful-close.pcap'));
    });

    it('finds in 13-graceful-close.pcap every line the lesson printed', () => {
      expect(missingFromTcpdump(printed, theirs)).toEqual([]);
    });

    it('recounts one RST per abrupt run, from the server, and none for a graceful one', () => {
      const rsts = theirs.filter((t) => t.flags.startsWith('R'));
      expect(rsts).toHaveLength(2);
      const connections = new Set(theirs.filter((t) => t.flags === 'S').map((t) => t.dst));
      expect(connections.size).toBe(4);
      for (const r of rsts) expect(connections.has(r.src)).toBe(true);
    });
  });
});

if (noNetns !== undefined) describe('lesson 13 on the wire', () => it.skip(`skipped: ${noNetns}`, () => undefined));
if (!tcpdump.ok) console.warn(`tcpdump cross-check skipped: ${tcpdump.reason}`);
