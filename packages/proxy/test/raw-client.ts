// A raw client for the proxy tests: write bytes, read until a condition or a deadline.
import { once } from 'node:events';
import net from 'node:net';

export interface RawClient {
  socket: net.Socket;
  /** Everything received so far. */
  text: () => string;
  ended: () => boolean;
  /** Resolve when `predicate(text)` holds, or with false after `ms`. */
  waitFor: (predicate: (text: string) => boolean, ms: number) => Promise<boolean>;
}

export async function rawConnect(port: number): Promise<RawClient> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await once(socket, 'connect');
  let received = '';
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = (): void => { for (const w of waiters) w(); };
  socket.on('data', (c: Buffer) => { received += c.toString('latin1'); wake(); });
  socket.on('close', () => { ended = true; wake(); });
  socket.on('error', () => undefined);
  return {
    socket,
    text: () => received,
    ended: () => ended,
    waitFor: (predicate, ms) => new Promise<boolean>((resolve) => {
      const check = (): void => {
        if (!predicate(received)) return;
        finish(true);
      };
      const finish = (value: boolean): void => {
        clearTimeout(timer);
        waiters.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => finish(predicate(received)), ms);
      waiters.add(check);
      check();
    }),
  };
}
