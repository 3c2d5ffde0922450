// Lesson 15's probes on the wire: counted and timed from the capture of the
// client's end of the link, and the same probes found by tcpdump in the pcap.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LessonResult } from '@connlab/lab';
import { netnsUnavailableReason } from '@connlab/netns';
import { ensureTcpdump, readWithTcpdump } from '@connlab/pcap';
import { lesson, probeCheck } from './lesson.js';

const noNetns = netnsUnavailableReason();
const tcpdump = ensureTcpdump();
const tcpdumpPath = tcpdump.ok ? tcpdump.path : '';
const k = { enable: true, idleMs: 1000, intervalMs: 1000, count: 3 };

describe('lesson 15 probe check', () => {
  it('passes for TCP_KEEPCNT probes on time, and fails for a missing, an extra or a late one', () => {
    const base = { lines: [], dropped: 0 };
    expect(probeCheck({ ...base, probeAtMs: [1020, 2045, 3070] }, k).passed).toBe(true);
    expect(probeCheck({ ...base, probeAtMs: [1020, 2045] }, k).passed).toBe(false);
    expect(probeCheck({ ...base, probeAtMs: [1020, 2045, 3070, 4090] }, k).passed).toBe(false);
    expect(probeCheck({ ...base, probeAtMs: [1020, 2600, 3600] }, k).passed).toBe(false);
  });
});

describe.skipIf(noNetns !== undefined)('lesson 15 on the wire', () => {
  const dir = mkdtempSync(join(tmpdir(), 'connlab-15-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let result: LessonResult;
  // The whole quick lesson: three dead-peer cases (4 + 5 + 3 s) plus two namespaces and two Node children each.
  beforeAll(async () => {
    result = await lesson.run({ quick: true, progress: () => undefined, captureDir: dir });
  }, 120_000);

  it("counts three probes a second apart on the client's link", () => {
    const wire = result.checks.find((c) => c.label.startsWith('on the wire (tuned)'));
    expect(wire?.passed, wire?.measured).toBe(true);
  });

  it('prints each of the three probes', () => {
    expect(result.lines.filter((l) => /keepalive probe \d of 3/.test(l))).toHaveLength(3);
  });

  it.skipIf(!tcpdump.ok)('lets tcpdump find the same three probes a second apart in 15-tcp-keepalive.pcap', () => {
    // Probes as tcpdump reads them: bare ACKs from the client, each after half a second or more of silence.
    const theirs = readWithTcpdump(tcpdumpPath, join(dir, '15-tcp-keepalive.pcap'));
    const client = theirs.find((t) => t.flags === 'S')!.src;
    const fromClient = theirs.filter((t) => t.src === client);
    const rst = fromClient.findIndex((t) => t.flags.startsWith('R'));
    const probes = fromClient
      .slice(0, rst)
      .filter((t, i) => i > 0 && t.flags === '.' && t.length === 0 && t.time - fromClient[i - 1]!.time > 0.5);
    expect(probes).toHaveLength(3);
    for (let i = 1; i < 3; i++) expect(Math.abs((probes[i]!.time - probes[i - 1]!.time) * 1000 - 1000)).toBeLessThan(300);
  });
});

if (noNetns !== undefined) describe('lesson 15 on the wire', () => it.skip(`skipped: ${noNetns}`, () => undefined));
if (!tcpdump.ok) console.warn(`tcpdump cross-check skipped: ${tcpdump.reason}`);
