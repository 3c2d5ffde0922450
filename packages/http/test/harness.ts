// Servers started by a test file: every socket and server is closed after each test.
import { afterEach } from 'vitest';
import type { HttpServer } from '../src/server/server.js';
import { destroyAll } from './raw-client.js';

/** A list to push each started server onto; after each test its sockets go and it closes (grace 100 ms). */
export function serversUnderTest(): HttpServer[] {
  const servers: HttpServer[] = [];
  afterEach(async () => {
    destroyAll();
    await Promise.all(servers.map((s) => s.close({ graceMs: 100 })));
    servers.length = 0;
  });
  return servers;
}
