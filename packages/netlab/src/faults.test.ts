import { describe, expect, it } from 'vitest';
import { validateFault, wanLinkFaults } from './faults.js';
import { delayLineUnavailable } from './delay-line.js';

describe('wanLinkFaults', () => {
  it('splits the round trip into half each way and one RTT before the upstream connect', () => {
    const faults = wanLinkFaults(40);
    expect(faults).toEqual(expect.arrayContaining([
      { type: 'connect-delay', ms: 40 },
      { type: 'latency', direction: 'upstream', ms: 20 },
      { type: 'latency', direction: 'downstream', ms: 20 },
    ]));
    expect(faults).toHaveLength(3);
    for (const f of faults) expect(validateFault(f)).toEqual(f);
  });
});

describe('delayLineUnavailable', () => {
  it('names the missing requirement, or nothing when Linux and root are both here', () => {
    const why = delayLineUnavailable();
    const able = process.platform === 'linux' && process.getuid?.() === 0;
    if (able) expect(why).toBeUndefined();
    else expect(why).toMatch(/Linux-only|root/);
  });
});
