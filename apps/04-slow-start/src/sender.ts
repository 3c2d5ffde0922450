// The sending side of lesson 04, in the server namespace of a delay line.
// Each connection asks for "<bytes>\n"; the sender writes that many bytes and
// samples the kernel's congestion window (TCP_INFO) until all are acknowledged.
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { sendToParent } from '@connlab/netns';
import { getTcpInfo, setCongestion } from '@connlab/tcp-options';

/** One TCP_INFO sample: ms since the transfer began, cwnd and ssthresh in segments, bytes acknowledged. */
export interface CwndSample {
  t: number;
  cwnd: number;
  ssthresh: number;
  acked: number;
  rttMs: number;
}

export interface TransferReport {
  type: 'transfer';
  bytes: number;
  /** Window just before the first write (after an idle period the kernel cuts it only when sending resumes). */
  cwndBefore: number;
  rtoMs: number;
  samples: CwndSample[];
  congestion: string;
}

const SAMPLE_MS = 1;

function transfer(socket: Socket, bytes: number, congestion: string): void {
  const before = getTcpInfo(socket);
  const ackedAtStart = before.bytesAcked ?? 0;
  const samples: CwndSample[] = [];
  const t0 = performance.now();
  const sample = (): boolean => {
    const info = getTcpInfo(socket);
    const acked = (info.bytesAcked ?? 0) - ackedAtStart;
    samples.push({ t: performance.now() - t0, cwnd: info.sndCwnd, ssthresh: info.sndSsthresh, acked, rttMs: info.rttUs / 1000 });
    return acked >= bytes;
  };
  socket.write(Buffer.alloc(bytes, 0x61));
  sample();
  const timer = setInterval(() => {
    if (socket.destroyed || sample()) {
      clearInterval(timer);
      const report: TransferReport = { type: 'transfer', bytes, cwndBefore: before.sndCwnd, rtoMs: before.rtoUs / 1000, samples, congestion };
      sendToParent(report);
    }
  }, SAMPLE_MS);
}

const [host = '0.0.0.0', algorithm = 'cubic'] = process.argv.slice(2);
const server = createServer((socket) => {
  socket.setNoDelay(true);
  // Per socket, so the host's default (bbr here) does not matter: cubic's slow start doubles per RTT.
  setCongestion(socket, algorithm);
  let pending = '';
  socket.setEncoding('utf8').on('data', (d: string) => {
    pending += d;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const bytes = Number(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      transfer(socket, bytes, algorithm);
    }
  });
  socket.on('error', () => socket.destroy());
});
server.listen(0, host, () => sendToParent({ type: 'listening', port: (server.address() as AddressInfo).port }));
