// Live capture of one interface through an AF_PACKET socket (packet(7)),
// called through koffi like @connlab/tcp-options does: no native addon.
//
// The socket is non-blocking and drained on a short timer, so the process's
// event loop (which may be running the very experiment being captured) never
// blocks. Timestamps come from the kernel (SIOCGSTAMPNS after each recvfrom),
// not from when the timer ran, so the drain interval does not skew them.
import koffi from 'koffi';
import { CaptureError } from './errors.js';
import { LINKTYPE } from './file.js';
import { AF_PACKET, ETH_P_ALL, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW, SOL_PACKET } from './packet-socket.js';
import type { CapturedPacket, PcapFile } from './file.js';

// <linux/socket.h>, <linux/if_ether.h>, <linux/if_packet.h>, <asm-generic/sockios.h>, <asm-generic/socket.h>.
const MSG_TRUNC = 0x20;
const MSG_DONTWAIT = 0x40;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;
const PACKET_STATISTICS = 6;
const SIOCGSTAMPNS = 0x8907;
/** sll_pkttype: the kernel's copy of a packet this host sent. */
const PACKET_OUTGOING = 4;
const ARPHRD_LOOPBACK = 772;
const SOCKADDR_LL_SIZE = 20;
const EAGAIN = 11;
const EINTR = 4;

interface Libc {
  socket: (domain: number, type: number, protocol: number) => number;
  bind: (fd: number, addr: Buffer, length: number) => number;
  recvfrom: (fd: number, buf: Buffer, length: number, flags: number, addr: Buffer, addrLength: [number]) => number;
  ioctl: (fd: number, request: number, arg: Buffer) => number;
  setsockopt: (fd: number, level: number, name: number, value: Buffer, length: number) => number;
  getsockopt: (fd: number, level: number, name: number, value: Buffer, length: [number]) => number;
  close: (fd: number) => number;
  ifNameToIndex: (name: string) => number;
}

let libc: Libc | undefined;
function load(): Libc {
  if (libc) return libc;
  if (process.platform !== 'linux')
    throw new CaptureError('any interface', 'AF_PACKET capture', `unsupported platform ${process.platform} (Linux only)`);
  const lib = koffi.load('libc.so.6');
  const socket = lib.func('int socket(int domain, int type, int protocol)');
  const bind = lib.func('int bind(int fd, const void *addr, uint32_t len)');
  const recvfrom = lib.func(
    'intptr_t recvfrom(int fd, _Out_ void *buf, size_t len, int flags, _Out_ void *addr, _Inout_ uint32_t *addrlen)',
  );
  // ioctl is variadic in C; with one pointer argument the fixed prototype passes it the same way on Linux ABIs.
  const ioctl = lib.func('int ioctl(int fd, unsigned long request, _Out_ void *arg)');
  const setsockopt = lib.func('int setsockopt(int fd, int level, int optname, const void *optval, uint32_t optlen)');
  const getsockopt = lib.func('int getsockopt(int fd, int level, int optname, _Out_ void *optval, _Inout_ uint32_t *optlen)');
  const close = lib.func('int close(int fd)');
  const ifNameToIndex = lib.func('unsigned int if_nametoindex(const char *name)');
  libc = {
    socket: (...a) => socket(...a) as number,
    bind: (...a) => bind(...a) as number,
    recvfrom: (...a) => Number(recvfrom(...a)),
    ioctl: (...a) => ioctl(...a) as number,
    setsockopt: (...a) => setsockopt(...a) as number,
    getsockopt: (...a) => getsockopt(...a) as number,
    close: (...a) => close(...a) as number,
    ifNameToIndex: (name) => ifNameToIndex(name) as number,
  };
  return libc;
}

let errnoNames: Map<number, string> | undefined;
function errnoName(errno: number): string {
  errnoNames ??= new Map(Object.entries(koffi.os.errno).map(([name, value]) => [value, name]));
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

export interface CaptureOptions {
  /** Bytes kept per packet (default 256: every header, the start of the payload). */
  snapLength?: number;
  /** Kernel receive buffer asked for (default 32 MiB), so bursts wait there between drains. */
  bufferBytes?: number;
  /** How often queued packets are read, in ms (default 1: a rootless capture gets only net.core.rmem_max of buffer). */
  drainEveryMs?: number;
}

/** What {@link LiveCapture.stop} returns: the packets and what the kernel dropped. */
export interface CaptureResult extends PcapFile {
  /** Packets the kernel dropped because the receive buffer was full (PACKET_STATISTICS). */
  dropped: number;
  iface: string;
}

/**
 * Capture every packet that crosses one interface of the current network
 * namespace (root, or root of a user namespace that owns it: CAP_NET_RAW).
 * On loopback each packet is kept once, as tcpdump does (the outgoing copy is skipped).
 *
 * @example
 * ```ts
 * const capture = startCapture('lo');
 * await experiment();
 * const { packets, linkType } = capture.stop();
 * ```
 */
export class LiveCapture {
  private fd: number;
  private readonly packets: CapturedPacket[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly buffer: Buffer;
  private readonly address = Buffer.alloc(SOCKADDR_LL_SIZE);
  private readonly stamp = Buffer.alloc(16);
  private readonly length: [number] = [SOCKADDR_LL_SIZE];
  private dropped = 0;

  constructor(
    readonly iface: string,
    private readonly options: CaptureOptions = {},
  ) {
    const c = load();
    const index = c.ifNameToIndex(iface);
    if (index === 0)
      throw new CaptureError(iface, 'if_nametoindex', `${errnoName(koffi.errno())} (no such interface in this network namespace)`);
    const protocol = ((ETH_P_ALL & 0xff) << 8) | (ETH_P_ALL >> 8); // htons
    const fd = c.socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd < 0)
      throw new CaptureError(
        iface,
        'socket(AF_PACKET)',
        `${errnoName(koffi.errno())} (needs CAP_NET_RAW: root, or root in a user namespace that owns this network namespace)`,
      );
    this.fd = fd;
    try {
      const size = Buffer.alloc(4);
      size.writeInt32LE(options.bufferBytes ?? 32 << 20);
      // FORCE ignores net.core.rmem_max but needs CAP_NET_ADMIN; the plain option is capped at rmem_max.
      if (c.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4) !== 0) c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, size, 4);
      const sll = Buffer.alloc(SOCKADDR_LL_SIZE);
      sll.writeUInt16LE(AF_PACKET, 0);
      sll.writeUInt16BE(ETH_P_ALL, 2);
      sll.writeInt32LE(index, 4);
      if (c.bind(fd, sll, SOCKADDR_LL_SIZE) !== 0) throw new CaptureError(iface, 'bind', errnoName(koffi.errno()));
      // The first SIOCGSTAMPNS switches kernel timestamping on (it fails with ENOENT: nothing received yet).
      c.ioctl(fd, SIOCGSTAMPNS, this.stamp);
    } catch (error) {
      c.close(fd);
      throw error;
    }
    this.buffer = Buffer.alloc(Math.max(64, options.snapLength ?? 256));
    this.timer = setInterval(() => this.drain(), options.drainEveryMs ?? 1);
  }

  /** Packets captured so far (read now from the kernel's queue). */
  get count(): number {
    this.drain();
    return this.packets.length;
  }

  /** Read everything queued in the kernel now. */
  drain(): void {
    if (this.fd < 0) return;
    const c = load();
    for (;;) {
      this.length[0] = SOCKADDR_LL_SIZE;
      const n = c.recvfrom(this.fd, this.buffer, this.buffer.length, MSG_DONTWAIT | MSG_TRUNC, this.address, this.length);
      if (n < 0) {
        const errno = koffi.errno();
        if (errno === EINTR) continue;
        if (errno === EAGAIN) return;
        throw new CaptureError(this.iface, 'recvfrom', errnoName(errno));
      }
      const pktType = this.address.readUInt8(10);
      const hatype = this.address.readUInt16LE(8);
      // Loopback shows every packet twice: as it leaves and as it arrives. Keep the arrival, like libpcap.
      if (pktType === PACKET_OUTGOING && hatype === ARPHRD_LOOPBACK) continue;
      const timestampUs =
        c.ioctl(this.fd, SIOCGSTAMPNS, this.stamp) === 0
          ? Number(this.stamp.readBigInt64LE(0)) * 1e6 + Math.floor(Number(this.stamp.readBigInt64LE(8)) / 1000)
          : Math.round((performance.timeOrigin + performance.now()) * 1000);
      this.packets.push({ timestampUs, data: Uint8Array.prototype.slice.call(this.buffer, 0, Math.min(n, this.buffer.length)), length: n });
    }
  }

  /** Read what is left, close the socket and return the capture (Ethernet framing: loopback and veth both use it). */
  stop(): CaptureResult {
    if (this.fd >= 0) {
      this.drain();
      clearInterval(this.timer);
      const c = load();
      const stats = Buffer.alloc(8);
      const length: [number] = [8];
      // tpacket_stats { tp_packets, tp_drops }, counted since the socket opened.
      if (c.getsockopt(this.fd, SOL_PACKET, PACKET_STATISTICS, stats, length) === 0) this.dropped += stats.readUInt32LE(4);
      c.close(this.fd);
      this.fd = -1;
    }
    return { linkType: LINKTYPE.ETHERNET, snapLength: this.buffer.length, packets: this.packets, dropped: this.dropped, iface: this.iface };
  }
}

/** Start capturing on `iface` of this process's network namespace (see {@link LiveCapture}). */
export function startCapture(iface: string, options?: CaptureOptions): LiveCapture {
  return new LiveCapture(iface, options);
}
