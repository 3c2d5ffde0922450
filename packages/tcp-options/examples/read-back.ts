// Run: npx tsx packages/tcp-options/examples/read-back.ts
// Sets every option on one loopback connection and prints what the kernel reports.
import net from 'node:net';
import {
  getCongestion,
  getKeepAlive,
  getNoDelay,
  getTcpInfo,
  getUserTimeout,
  setCongestion,
  setKeepAlive,
  setNoDelay,
  setUserTimeout,
  systemDefaults,
} from '@connlab/tcp-options';

const server = net.createServer((socket) => socket.pipe(socket)).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');

// Before connect there is no fd yet: these are queued and applied on 'connect'.
setNoDelay(socket, true);
setKeepAlive(socket, { enable: true, idleMs: 1000, intervalMs: 1000, count: 3 });
setUserTimeout(socket, 3000);
setCongestion(socket, 'reno');

socket.once('connect', () => {
  socket.write('hello');
  socket.once('data', () => {
    const info = getTcpInfo(socket);
    console.log({
      defaults: systemDefaults(),
      noDelay: getNoDelay(socket),
      keepAlive: getKeepAlive(socket),
      userTimeoutMs: getUserTimeout(socket),
      congestion: getCongestion(socket),
      tcpInfo: { state: info.stateName, rttUs: info.rttUs, sndCwnd: info.sndCwnd, sndMss: info.sndMss, bytesAcked: info.bytesAcked },
    });
    socket.destroy();
    server.close();
  });
});
