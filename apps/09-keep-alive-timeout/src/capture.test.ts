// Lesson 09 inside a lab namespace with its loopback captured: the FIN's timing
// is read off the packets, and tcpdump finds in the pcap what the lesson printed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verdictOf } from '@connlab/lab';
import type { LessonResult } from '@connlab/lab';
import { netnsUnavailableReason } from '@connlab/netns';
import type { TcpdumpLine } from '@connlab/pcap';
import { ensureTcpdump, missingFromTcpdump, readWithTcpdump } from '@connlab/pcap';
import { quickOptions } from './experiment.js';
import { lateSlackMs, lesson } from './lesson.js';

const noNetns = netnsUnavailableReason();
const tcpdump = ensureTcpdump();
const tcpdumpPath = tcpdump.ok ? tcpdump.path : '';
const T = quickOptions.timeoutMs;

describe.skipIf(noNetns !== undefined)('lesson 09 on the wire', () => {
  const dir = mkdtempSync(join(tmpdir(), 'connlab-09-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let result: LessonResult;
  let printed: string[];
  let fin: number;
  beforeAll(async () => {
    result = await lesson.run({ quick: true, progress: () => undefined, captureDir: dir });
    printed = result.lines.filter((l) => l.includes('Flags ['));
    fin = result.measurements.find((m) => m.label === 'server FIN after the last response, on the wire')!.value;
  }, 60_000);

  it('passes every check, so the effect is reproduced', () => {
    expect(result.checks.filter((c) => !c.passed)).toEqual([]);
    expect(verdictOf(result)).toBe('reproduced');
  });

  it('times the server FIN one timeout after the last response, on the wire', () => {
    expect(fin).toBeGreaterThanOrEqual(T - 5);
    expect(fin).toBeLessThanOrEqual(T + lateSlackMs(T));
  });

  it('prints the FIN as a tcpdump-style line', () => {
    expect(printed.find((l) => l.includes('Flags [F.]'))).toMatch(
      /server > client {2}Flags \[F\.\], seq \d+, ack \d+, .* {2}FIN \d+ ms after the last response$/,
    );
  });

  describe.skipIf(!tcpdump.ok)('read back by tcpdump', () => {
    let theirs: TcpdumpLine[];
    beforeAll(() => {
      theirs = readWithTcpdump(tcpdumpPath, join(dir, '09-keep-alive-timeout.pcap'));
    });

    it('finds in 09-keep-alive-timeout.pcap every line the lesson printed', () => {
      expect(missingFromTcpdump(printed, theirs)).toEqual([]);
    });

    it("re-measures the FIN's delay from tcpdump's timestamps", () => {
      // For each first FIN of a connection, the time since that side's last data segment to the
      // same peer. One of the two connections is the timed one.
      const delays = theirs.flatMap((t, i) => {
        if (!t.flags.includes('F') || theirs.slice(0, i).some((u) => u.src === t.src && u.dst === t.dst && u.flags.includes('F')))
          return [];
        const lastData = theirs.slice(0, i).findLast((u) => u.src === t.src && u.dst === t.dst && u.length > 0);
        return lastData ? [(t.time - lastData.time) * 1000] : [];
      });
      expect(
        delays.some((ms) => Math.abs(ms - fin) < 1),
        `${delays.join(', ')} vs ${fin}`,
      ).toBe(true);
    });
  });
});

if (noNetns !== undefined) describe('lesson 09 on the wire', () => it.skip(`skipped: ${noNetns}`, () => undefined));
if (!tcpdump.ok) console.warn(`tcpdump cross-check skipped: ${tcpdump.reason}`);
