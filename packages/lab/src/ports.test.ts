import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { closedPort } from './ports.js';

describe('closedPort', () => {
  it('gives a port where a connect is refused', async () => {
    const port = await closedPort();
    expect(port).toBeGreaterThan(0);
    const code = await new Promise<string | undefined>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve('connected'); });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
    });
    expect(code).toBe('ECONNREFUSED');
  });
});
