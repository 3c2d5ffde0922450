// The listening half both proxies share: a net.Server that remembers its
// sockets so close() can end them all.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ProxyError } from './errors.js';

/** A TCP listener whose accepted (and registered) sockets are destroyed on close. */
export class Listener {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(onConnection: (socket: net.Socket) => void) {
    this.server = net.createServer({ allowHalfOpen: true }, (socket) => {
      this.track(socket);
      onConnection(socket);
    });
  }

  /** Also destroy this socket on close (an upstream connection, say). */
  track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Listen (127.0.0.1, port 0 by default) and resolve with the bound address. */
  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void =>
        reject(new ProxyError('PROXY_LISTEN', `cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  /** Stop accepting and destroy every tracked socket. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
