import { describe, expect, it } from 'vitest';
import { validateFault, wanLinkFaults } from './faults.js';
import { netnsAvailability } from '@connlab/netns';
import { delayLineUnavailable } from './delay-line.js';

describe('wanLinkFaults', () => {
  it('splits the round trip into half each way and one RTT before the upstream connect', () => {
    const faults = wanLinkFaults(40);
    expect(faults).toEqual(
      expect.arrayContaining([
        { type: 'connect-delay', ms: 40 },
        { type: 'latency', direction: 'upstream', ms: 20 },
        { type: 'latency', direction: 'downstream', ms: 20 },
      ]),
    );
    expect(faults).toHaveLength(3);
    for (const f of faults) expect(validateFault(f)).toEqual(f);
  });
});

describe('delayLineUnavailable', () => {
  it("is the namespaces' availability: nothing when root or rootless works, else its one-line reason", () => {
    const why = delayLineUnavailable();
    const { mode, reason } = netnsAvailability();
    if (mode === 'unavailable') expect(why).toBe(reason);
    else expect(why).toBeUndefined();
  });
});
