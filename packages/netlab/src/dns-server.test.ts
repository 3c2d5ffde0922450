import { Resolver } from 'node:dns/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { serveDns } from './dns-server.js';
import type { DnsServer } from './dns-server.js';

let dns: DnsServer | undefined;
afterEach(async () => {
  await dns?.close();
  dns = undefined;
});

describe('serveDns', () => {
  it('answers A queries that a real resolver understands, and NXDOMAIN for other names', async () => {
    dns = await serveDns({ 'server.connlab.test': '10.77.0.2' });
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`${dns.host}:${dns.port}`]);
    expect(await resolver.resolve4('server.connlab.test')).toEqual(['10.77.0.2']);
    expect(await resolver.resolve4('SERVER.connlab.test')).toEqual(['10.77.0.2']);
    await expect(resolver.resolve4('nobody.connlab.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(dns.queries).toBe(3);
  });
});
