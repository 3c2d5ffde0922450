// Ports for experiments and tests that need a refused connection.
import net from 'node:net';

/**
 * A port on 127.0.0.1 where nothing listens: the kernel picks a free one, we
 * bind it, note it and release it. A connect to it gets ECONNREFUSED (unless
 * something else grabs the port in between, which is unlikely but possible).
 *
 * @example
 * ```ts
 * const port = await closedPort();
 * net.connect(port, '127.0.0.1').on('error', (e) => console.log(e.code)); // ECONNREFUSED
 * ```
 */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
