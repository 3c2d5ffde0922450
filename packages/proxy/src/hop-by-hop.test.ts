import { describe, expect, it } from 'vitest';
import { HOP_BY_HOP_HEADERS, connectionTokens, stripHopByHop } from './hop-by-hop.js';
import type { HeaderPair } from './hop-by-hop.js';
import { hopByHopTable } from '../test/hop-by-hop-table.js';

describe('stripHopByHop', () => {
  it('removes exactly the hop-by-hop fields of the table, in any letter case, keeping order', () => {
    const headers: HeaderPair[] = hopByHopTable.map(([n, v]) => [n, v]);
    const upper: HeaderPair[] = hopByHopTable.map(([n, v]) => [n.toUpperCase(), v]);
    for (const input of [headers, upper]) {
      const { kept, removed } = stripHopByHop(input);
      expect(kept.map(([n]) => n.toLowerCase())).toEqual(hopByHopTable.filter((r) => !r[2]).map(([n]) => n.toLowerCase()));
      expect(removed.map(([n]) => n.toLowerCase())).toEqual(hopByHopTable.filter((r) => r[2]).map(([n]) => n.toLowerCase()));
    }
  });

  it('reads Connection as a comma list across repeated fields', () => {
    expect(
      connectionTokens([
        ['Connection', ' Close ,,X-A'],
        ['connection', 'x-b'],
      ]),
    ).toEqual(['close', 'x-a', 'x-b']);
    const { kept } = stripHopByHop([
      ['Connection', 'x-a'],
      ['Connection', 'X-B'],
      ['x-a', '1'],
      ['X-b', '2'],
      ['x-c', '3'],
    ]);
    expect(kept).toEqual([['x-c', '3']]);
  });

  it('reports the Proxy-Connection tokens separately from Connection', () => {
    const r = stripHopByHop([['Proxy-Connection', 'Keep-Alive']]);
    expect(r.proxyConnection).toEqual(['keep-alive']);
    expect(r.connection).toEqual([]);
  });

  it('cites a source for every fixed hop-by-hop field', () => {
    for (const h of HOP_BY_HOP_HEADERS) expect(h.source).toMatch(/RFC \d+/);
  });
});
