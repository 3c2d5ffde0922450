// TCP_INFO: the kernel's view of one connection, `struct tcp_info` from
// include/uapi/linux/tcp.h. The struct only ever grows at the end, and
// getsockopt reports how many bytes the running kernel filled in, so a field
// is read only if its offset + size fits in that length.
import type { Socket } from 'node:net';
import { tcpStateName } from '@connlab/inspect';
import type { TcpStateName } from '@connlab/inspect';
import { optionConstant } from './constants.js';
import { getRaw } from './ffi.js';
import { describePeer, requireFd } from './socket-fd.js';

/** Congestion-avoidance states, `enum tcp_ca_state` in include/uapi/linux/tcp.h. */
const CA_STATES = ['open', 'disorder', 'cwr', 'recovery', 'loss'] as const;
export type CaStateName = (typeof CA_STATES)[number] | 'unknown';

/** Fields present on every kernel since 2.6 (the struct's first 104 bytes). */
export interface TcpInfoCore {
  /** Bytes the kernel filled in (232 on 5.x, 248 on 6.7+, more on newer). */
  length: number;
  /** tcpi_state, e.g. 1 */
  state: number;
  /** The state in ss spelling, e.g. 'ESTAB'. */
  stateName: TcpStateName;
  /** tcpi_ca_state: 0 open … 4 loss */
  caState: number;
  caStateName: CaStateName;
  /** tcpi_retransmits: consecutive RTO retransmissions of the current segment */
  retransmits: number;
  /** tcpi_probes: unanswered zero-window or keepalive probes sent (icsk_probes_out) */
  probes: number;
  /** tcpi_backoff: exponential backoff of the RTO */
  backoff: number;
  /** tcpi_options: TCPI_OPT_* bits (1 timestamps, 2 SACK, 4 window scaling, 8 ECN …) */
  options: number;
  sndWscale: number;
  rcvWscale: number;
  /** tcpi_rto, µs */
  rtoUs: number;
  /** tcpi_ato (delayed-ACK timeout), µs */
  atoUs: number;
  sndMss: number;
  rcvMss: number;
  /** segments sent and not yet acknowledged */
  unacked: number;
  sacked: number;
  lost: number;
  /** segments currently retransmitted and unacknowledged */
  retrans: number;
  /** ms since the last data was sent / received, the last ACK received */
  lastDataSentMs: number;
  lastDataRecvMs: number;
  lastAckRecvMs: number;
  pmtu: number;
  rcvSsthresh: number;
  /** smoothed RTT and its variance, µs */
  rttUs: number;
  rttvarUs: number;
  /** slow-start threshold in segments (2147483647 = "infinite": still in slow start) */
  sndSsthresh: number;
  /** congestion window, segments */
  sndCwnd: number;
  advmss: number;
  reordering: number;
  rcvRttUs: number;
  rcvSpace: number;
  /** retransmissions over the connection's whole life */
  totalRetrans: number;
}

/** Later additions; undefined when the running kernel is older. */
export interface TcpInfoExtended {
  pacingRate?: number; // bytes/s (Linux 3.15)
  maxPacingRate?: number;
  bytesAcked?: number; // RFC 4898 tcpEStatsAppHCThruOctetsAcked (4.1)
  bytesReceived?: number; // tcpEStatsAppHCThruOctetsReceived (4.1)
  segsOut?: number;
  segsIn?: number;
  notsentBytes?: number; // (4.6)
  minRttUs?: number;
  dataSegsIn?: number;
  dataSegsOut?: number;
  deliveryRate?: number; // bytes/s (4.9)
  busyTimeUs?: number; // (4.10)
  rwndLimitedUs?: number;
  sndbufLimitedUs?: number;
  delivered?: number; // (4.18)
  deliveredCe?: number;
  bytesSent?: number; // (4.19)
  bytesRetrans?: number;
  dsackDups?: number;
  reordSeen?: number;
  rcvOoopack?: number; // (5.4)
  sndWnd?: number; // (5.4) peer's advertised window, bytes
  rcvWnd?: number; // (6.2) our advertised window, bytes
  rehash?: number; // (6.2)
  totalRto?: number; // (6.7) RTO timeouts over the connection's life
  totalRtoRecoveries?: number;
  totalRtoTimeMs?: number;
}

export type TcpInfo = TcpInfoCore & TcpInfoExtended;

type Kind = 'u8' | 'u16' | 'u32' | 'u64';
const size: Record<Kind, number> = { u8: 1, u16: 2, u32: 4, u64: 8 };

// [field, byte offset, C type] in struct order. Offsets follow from C layout
// rules (no padding is needed anywhere: every u64 starts on a multiple of 8).
const layout: readonly (readonly [keyof TcpInfo, number, Kind])[] = [
  ['state', 0, 'u8'], //               __u8 tcpi_state
  ['caState', 1, 'u8'], //             __u8 tcpi_ca_state
  ['retransmits', 2, 'u8'], //         __u8 tcpi_retransmits
  ['probes', 3, 'u8'], //              __u8 tcpi_probes
  ['backoff', 4, 'u8'], //             __u8 tcpi_backoff
  ['options', 5, 'u8'], //             __u8 tcpi_options
  //                                   byte 6: tcpi_snd_wscale:4 (low bits), tcpi_rcv_wscale:4
  //                                   byte 7: delivery_rate_app_limited:1, fastopen_client_fail:2
  ['rtoUs', 8, 'u32'], //              __u32 tcpi_rto
  ['atoUs', 12, 'u32'], //             __u32 tcpi_ato
  ['sndMss', 16, 'u32'], //            __u32 tcpi_snd_mss
  ['rcvMss', 20, 'u32'], //            __u32 tcpi_rcv_mss
  ['unacked', 24, 'u32'], //           __u32 tcpi_unacked
  ['sacked', 28, 'u32'], //            __u32 tcpi_sacked
  ['lost', 32, 'u32'], //              __u32 tcpi_lost
  ['retrans', 36, 'u32'], //           __u32 tcpi_retrans
  //                                   40: __u32 tcpi_fackets (always 0 since 4.15)
  ['lastDataSentMs', 44, 'u32'], //    __u32 tcpi_last_data_sent
  //                                   48: __u32 tcpi_last_ack_sent ("not remembered, sorry")
  ['lastDataRecvMs', 52, 'u32'], //    __u32 tcpi_last_data_recv
  ['lastAckRecvMs', 56, 'u32'], //     __u32 tcpi_last_ack_recv
  ['pmtu', 60, 'u32'], //              __u32 tcpi_pmtu
  ['rcvSsthresh', 64, 'u32'], //       __u32 tcpi_rcv_ssthresh
  ['rttUs', 68, 'u32'], //             __u32 tcpi_rtt
  ['rttvarUs', 72, 'u32'], //          __u32 tcpi_rttvar
  ['sndSsthresh', 76, 'u32'], //       __u32 tcpi_snd_ssthresh
  ['sndCwnd', 80, 'u32'], //           __u32 tcpi_snd_cwnd
  ['advmss', 84, 'u32'], //            __u32 tcpi_advmss
  ['reordering', 88, 'u32'], //        __u32 tcpi_reordering
  ['rcvRttUs', 92, 'u32'], //          __u32 tcpi_rcv_rtt
  ['rcvSpace', 96, 'u32'], //          __u32 tcpi_rcv_space
  ['totalRetrans', 100, 'u32'], //     __u32 tcpi_total_retrans   (end of the 2.6 struct: 104 bytes)
  ['pacingRate', 104, 'u64'], //       __u64 tcpi_pacing_rate
  ['maxPacingRate', 112, 'u64'], //    __u64 tcpi_max_pacing_rate
  ['bytesAcked', 120, 'u64'], //       __u64 tcpi_bytes_acked
  ['bytesReceived', 128, 'u64'], //    __u64 tcpi_bytes_received
  ['segsOut', 136, 'u32'], //          __u32 tcpi_segs_out
  ['segsIn', 140, 'u32'], //           __u32 tcpi_segs_in
  ['notsentBytes', 144, 'u32'], //     __u32 tcpi_notsent_bytes
  ['minRttUs', 148, 'u32'], //         __u32 tcpi_min_rtt
  ['dataSegsIn', 152, 'u32'], //       __u32 tcpi_data_segs_in
  ['dataSegsOut', 156, 'u32'], //      __u32 tcpi_data_segs_out
  ['deliveryRate', 160, 'u64'], //     __u64 tcpi_delivery_rate
  ['busyTimeUs', 168, 'u64'], //       __u64 tcpi_busy_time
  ['rwndLimitedUs', 176, 'u64'], //    __u64 tcpi_rwnd_limited
  ['sndbufLimitedUs', 184, 'u64'], //  __u64 tcpi_sndbuf_limited
  ['delivered', 192, 'u32'], //        __u32 tcpi_delivered
  ['deliveredCe', 196, 'u32'], //      __u32 tcpi_delivered_ce
  ['bytesSent', 200, 'u64'], //        __u64 tcpi_bytes_sent
  ['bytesRetrans', 208, 'u64'], //     __u64 tcpi_bytes_retrans
  ['dsackDups', 216, 'u32'], //        __u32 tcpi_dsack_dups
  ['reordSeen', 220, 'u32'], //        __u32 tcpi_reord_seen
  ['rcvOoopack', 224, 'u32'], //       __u32 tcpi_rcv_ooopack
  ['sndWnd', 228, 'u32'], //           __u32 tcpi_snd_wnd          (232 bytes)
  ['rcvWnd', 232, 'u32'], //           __u32 tcpi_rcv_wnd
  ['rehash', 236, 'u32'], //           __u32 tcpi_rehash
  ['totalRto', 240, 'u16'], //         __u16 tcpi_total_rto
  ['totalRtoRecoveries', 242, 'u16'], // __u16 tcpi_total_rto_recoveries
  ['totalRtoTimeMs', 244, 'u32'], //   __u32 tcpi_total_rto_time   (248 bytes; newer kernels add AccECN counters)
];

/** Room for every field above plus whatever newer kernels append. */
const BUFFER_SIZE = 512;

function read(buffer: Buffer, offset: number, kind: Kind): number {
  switch (kind) {
    case 'u8':
      return buffer.readUInt8(offset);
    case 'u16':
      return buffer.readUInt16LE(offset);
    case 'u32':
      return buffer.readUInt32LE(offset);
    case 'u64':
      return Number(buffer.readBigUInt64LE(offset));
  }
}

/**
 * Decode the bytes of a `struct tcp_info` (as returned by getsockopt). Exposed
 * for tests and for values read some other way; most callers want getTcpInfo.
 * Assumes little-endian (x86-64, arm64, riscv64).
 */
export function parseTcpInfo(buffer: Buffer): TcpInfo {
  const out: Record<string, number | string> = { length: buffer.length };
  for (const [field, offset, kind] of layout) {
    if (offset + size[kind] <= buffer.length) out[field] = read(buffer, offset, kind);
  }
  const info = out as unknown as TcpInfo;
  info.stateName = tcpStateName(info.state);
  info.caStateName = CA_STATES[info.caState] ?? 'unknown';
  const wscale = buffer.length > 6 ? buffer.readUInt8(6) : 0;
  info.sndWscale = wscale & 0x0f;
  info.rcvWscale = wscale >> 4;
  return info;
}

/**
 * Read TCP_INFO for a connected socket (Linux only; UnsupportedOptionError
 * elsewhere). Times are in the units the field names say (µs or ms).
 *
 * @example
 * ```ts
 * const info = getTcpInfo(socket);
 * console.log(info.stateName, info.sndCwnd, info.rttUs / 1000, 'ms');
 * ```
 */
export function getTcpInfo(socket: Socket): TcpInfo {
  const constant = optionConstant('TCP_INFO');
  const raw = getRaw(requireFd(socket, 'TCP_INFO'), 'TCP_INFO', constant, BUFFER_SIZE, describePeer(socket));
  return parseTcpInfo(raw);
}
