// The sending side of lesson 04, in the server namespace of a delay line.
// Each connection asks for "<bytes>\n"; the sender writes that many bytes and
// samples the kernel's congestion window (TCP_INFO) until all are acknowledged.
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { sendToParent } from '@connlab/netns';
import { getTcpInfo, setCongestion } from '@connlab/tcp-options';

/** One TCP_INFO sample: ms since the transfer began, cwnd and ssthresh in segments, bytes acknowledged, data segments sent. */
export interface CwndSample {
  t: number;
  cwnd: number;
  ssthresh: number;
  acked: number;
  rttMs: number;
  /** tcpi_data_segs_out since the transfer began: what the window let out. */
  sent: number;
}

export interface TransferReport {
  type: 'transfer';
  bytes: number;
  /** Window just before the first write (after an idle period the kernel cuts it only when sending resumes). */
  cwndBefore: number;
  rtoMs: number;
  /** Smoothed RTT before the transfer (the handshake's sample on a new connection), ms. */
  rttMs: number;
  samples: CwndSample[];
  congestion: string;
}

const SAMPLE_MS = 1;
const WRITE_PIECE = 64 << 10;

function transfer(socket: Socket, bytes: number, congestion: string): void {
  const before = getTcpInfo(socket);
  const ackedAtStart = before.bytesAcked ?? 0;
  const sentAtStart = before.dataSegsOut ?? 0;
  const samples: CwndSample[] = [];
  const data = Buffer.alloc(bytes, 0x61);
  let t0 = 0;
  const sample = (): boolean => {
    const info = getTcpInfo(socket);
    const acked = (info.bytesAcked ?? 0) - ackedAtStart;
    samples.push({
      t: performance.now() - t0,
      cwnd: info.sndCwnd,
      ssthresh: info.sndSsthresh,
      acked,
      rttMs: info.rttUs / 1000,
      sent: (info.dataSegsOut ?? 0) - sentAtStart,
    });
    return acked >= bytes;
  };
  // The first window leaves inside write(): time starts there, not before the
  // buffer was made. Written in 64 KiB pieces, with the first sample after
  // the first: one write of megabytes keeps the socket locked while it copies
  // (tens of ms on a busy machine), and the ACKs that arrive meanwhile wait,
  // delaying the next round, and the first sample, by that long.
  t0 = performance.now();
  for (let at = 0; at < bytes; at += WRITE_PIECE) {
    socket.write(data.subarray(at, at + WRITE_PIECE));
    if (at === 0) sample();
  }
  const timer = setInterval(() => {
    if (socket.destroyed || sample()) {
      clearInterval(timer);
      const report: TransferReport = {
        type: 'transfer',
        bytes,
        cwndBefore: before.sndCwnd,
        rtoMs: before.rtoUs / 1000,
        rttMs: before.rttUs / 1000,
        samples,
        congestion,
      };
      sendToParent(report);
    }
  }, SAMPLE_MS);
}

const [host = '0.0.0.0', algorithm = 'reno'] = process.argv.slice(2);
const server = createServer((socket) => {
  socket.setNoDelay(true);
  // Per socket, so the host's default (bbr here) does not matter: reno's slow start doubles per RTT.
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
server.listen(0, host, () => {
  // On the listener too, before any connection: an accepted socket starts
  // with the namespace's default (bbr on some hosts), and bbr turns TCP's own
  // pacing on for good, even after a switch to reno; paced, each round's
  // segments leave spread over half an RTT instead of in a burst on the ACK
  // clock. Children inherit the listener's algorithm, so they never run bbr.
  // (A Server carries its fd like a Socket; TCP_CONGESTION on a listener is standard.)
  setCongestion(server as unknown as Socket, algorithm);
  sendToParent({ type: 'listening', port: (server.address() as AddressInfo).port });
});
