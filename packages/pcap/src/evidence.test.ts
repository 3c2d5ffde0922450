import { describe, expect, it } from 'vitest';
import { check } from '@connlab/lab';
import { describeEvidence, skippedCapture, trustedChecks } from './index.js';
import type { WireEvidence } from './index.js';

const complete: WireEvidence = { captured: true, lines: [], packets: 10, dropped: 0, path: undefined };
const lossy: WireEvidence = { ...complete, dropped: 3 };
const rst = check('an RST in every abrupt run', false, '1 of 2');
const fin = check('a FIN one timeout after', true, '501 ms');

describe('packet evidence', () => {
  it('keeps every check of a complete capture, failed ones included', () => {
    expect(trustedChecks(complete, [rst, fin])).toEqual({ checks: [rst, fin] });
  });

  it('does not fail a lesson on a capture that lost packets: the failed check becomes a skipped part', () => {
    const trusted = trustedChecks(lossy, [rst, fin]);
    expect(trusted.checks).toEqual([fin]);
    expect(trusted.skipped).toBe(
      'skipped: "an RST in every abrupt run" (the capture lost 3 packets; run as root, or raise net.core.rmem_max)',
    );
    expect(trustedChecks(lossy, [fin])).toEqual({ checks: [fin] });
  });

  it('says where the packets came from, or why there are none', () => {
    expect(describeEvidence({ ...lossy, path: 'c/13.pcap' })).toBe(
      'Packets: captured on the loopback of a lab namespace, 10 packets, 3 LOST by the capture; written to c/13.pcap.',
    );
    const none: WireEvidence = { captured: false, uncaptured: 'network namespaces need root or user namespaces' };
    expect(describeEvidence(none)).toMatch(/^Packets: not captured \(network namespaces need/);
    expect(skippedCapture(none)).toBe(
      'skipped: the packet checks (no lab namespace to capture in: network namespaces need root or user namespaces)',
    );
  });
});
