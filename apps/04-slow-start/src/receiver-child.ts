// The receiving side of lesson 04, in the client namespace: one connection to
// the sender, kept open; each {cmd:'fetch'} asks for bytes and times them.
import { connect } from 'node:net';
import { nextFromParent, sendToParent } from '@connlab/netns';

const [host = '127.0.0.1', port = '0'] = process.argv.slice(2);
const socket = connect({ host, port: Number(port) });
socket.setNoDelay(true);
await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
sendToParent({ type: 'connected' });

for (;;) {
  const msg = (await nextFromParent()) as { cmd: 'fetch'; bytes: number } | { cmd: 'close' };
  if (msg.cmd === 'close') break;
  const t0 = performance.now();
  let got = 0;
  await new Promise<void>((resolve) => {
    const onData = (d: Buffer): void => {
      got += d.length;
      if (got >= msg.bytes) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.write(`${msg.bytes}\n`);
  });
  sendToParent({ type: 'fetched', bytes: got, ms: performance.now() - t0 });
}
socket.destroy();
process.disconnect();
