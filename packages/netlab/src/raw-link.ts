// The delay line's two ports through libc: an AF_PACKET raw socket bound to
// one veth end (packet(7)) reads and writes whole Ethernet frames, with ppoll,
// real-time priority and parent-death signal for the pump process.
//
// Why AF_PACKET and not TUN: opening /dev/net/tun needs that node to be
// usable by you, and it is mode 0600 (root only) on many machines, so a
// rootless lab could not open it even as root of its user namespace. A
// packet socket needs only CAP_NET_RAW in the namespace that owns the device,
// which a rootless lab has. One mechanism for root and rootless alike.
// koffi is imported the way every package imports it (tcp-options, pcap): its CommonJS default export.
import koffi from 'koffi';
import { AF_PACKET, ETH_P_ALL_BE, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW, SOL_PACKET } from '@connlab/pcap';
import { NetlabError } from './errors.js';

// <linux/socket.h>, <linux/if_ether.h>, <linux/if_packet.h> (x86-64 / aarch64).
/** Linux 4.20+: do not hand us the frames we ourselves send on this device. */
const PACKET_IGNORE_OUTGOING = 23;
/**
 * Each read starts with a struct virtio_net_hdr, and each write must: it
 * carries the frame's checksum state. A veth sender leaves TCP checksums for
 * "hardware" to fill in (CHECKSUM_PARTIAL); passed on as plain bytes the
 * receiver would count them as TcpInCsumErrors and drop every segment.
 */
const PACKET_VNET_HDR = 15;
/** sizeof(struct virtio_net_hdr): flags, gso_type, hdr_len, gso_size, csum_start, csum_offset. */
export const VNET_HDR_LEN = 10;
// The receive ring (packet(7) PACKET_MMAP, TPACKET_V2). Frames wait in memory
// we map, not in the socket's receive buffer, whose size an unprivileged user
// cannot raise past net.core.rmem_max (~200 KiB: about a hundred frames,
// less than one round of slow start arriving while the pump is busy).
const PACKET_RX_RING = 5;
const PACKET_STATISTICS = 6;
const PACKET_VERSION = 10;
const TPACKET_V2 = 1;
const TP_STATUS_USER = 1;
/** One ring slot: struct tpacket2_hdr, sockaddr_ll, the virtio_net_hdr and a 1500-byte-MTU frame fit in 2 KiB. */
const RING_FRAME = 2048;
/** The largest MTU whose frames fit a ring slot whole. */
export const MAX_MTU = 1900;
const RING_BLOCK = 1 << 16;
/** 4096 frames per port: several windows of slow start at once. */
const RING_BLOCKS = 128;
const PROT_READ_WRITE = 3;
const MAP_SHARED = 1;
// <asm-generic/socket.h>
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
// struct sockaddr_ll: family u16, protocol be16, ifindex i32, hatype u16, pkttype u8, halen u8, addr[8].
const SOCKADDR_LL_SIZE = 20;
// <net/if.h>: IFNAMSIZ counts the terminating NUL.
const IFNAMSIZ = 16;
/** Send buffer: a flush of several hundred frames at once must not meet ENOBUFS. */
const SOCKET_BUFFER = 4 << 20;
// <poll.h>
const POLLIN = 0x001;
// <asm-generic/errno-base.h>, <asm-generic/errno.h>
const EINTR = 4;
const EIO = 5;
const EAGAIN = 11;
const ENETDOWN = 100;
const ENOBUFS = 105;
const ENXIO = 6;
// <linux/prctl.h>: deliver a signal to this process when its parent dies.
const PR_SET_PDEATHSIG = 1;

interface Libc {
  getsockopt(fd: number, level: number, name: number, value: Buffer, len: Buffer): number;
  mmap(addr: null, length: number, prot: number, flags: number, fd: number, offset: number): unknown;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  if_nametoindex(name: string): number;
  write(fd: number, buf: Buffer, count: number): number;
  close(fd: number): number;
  ppoll(fds: Buffer, nfds: number, timeout: Buffer | null, sigmask: null): number;
  prctl(option: number, arg2: number, arg3: number, arg4: number, arg5: number): number;
  strerror(errnum: number): string;
  sched_setscheduler(pid: number, policy: number, param: Buffer): number;
}

let libc: Libc | undefined;
function load(): Libc {
  if (libc) return libc;
  if (process.platform !== 'linux')
    throw new NetlabError('NETLAB_UNSUPPORTED', `AF_PACKET sockets need Linux, this is ${process.platform}`);
  const lib = koffi.load('libc.so.6');
  // prctl is variadic in C; pinning the argument types is what the kernel ABI expects.
  libc = {
    socket: lib.func('int socket(int domain, int type, int protocol)') as Libc['socket'],
    bind: lib.func('int bind(int fd, const void *addr, unsigned int len)') as Libc['bind'],
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, unsigned int len)') as Libc['setsockopt'],
    getsockopt: lib.func('int getsockopt(int fd, int level, int name, void *value, void *len)') as Libc['getsockopt'],
    mmap: lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)') as Libc['mmap'],
    if_nametoindex: lib.func('unsigned int if_nametoindex(const char *name)') as Libc['if_nametoindex'],
    write: lib.func('long write(int fd, const void *buf, size_t count)') as Libc['write'],
    close: lib.func('int close(int fd)') as Libc['close'],
    ppoll: lib.func('int ppoll(void *fds, unsigned long nfds, void *timeout, void *sigmask)') as Libc['ppoll'],
    prctl: lib.func(
      'int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)',
    ) as Libc['prctl'],
    strerror: lib.func('const char *strerror(int errnum)') as Libc['strerror'],
    sched_setscheduler: lib.func('int sched_setscheduler(int pid, int policy, void *param)') as Libc['sched_setscheduler'],
  };
  return libc;
}

function osError(what: string): NetlabError {
  const errno = koffi.errno();
  return new NetlabError('NETLAB_LINK', `${what}: ${load().strerror(errno)} (errno ${errno})`);
}

/** One side of the delay line: a packet socket bound to one device, and its receive ring. */
export interface Port {
  readonly name: string;
  readonly fd: number;
  /** The mapped ring, the slot to read next, and the kernel's receive time of the frame read last (CLOCK_REALTIME, ms). */
  readonly ring: { memory: Buffer; next: number; stampMs: number };
}

function setInt(fd: number, level: number, name: number, value: number): boolean {
  const v = Buffer.alloc(4);
  v.writeInt32LE(value, 0);
  return load().setsockopt(fd, level, name, v, 4) === 0;
}

/**
 * Open an AF_PACKET raw socket on device `name` of this network namespace:
 * every Ethernet frame that arrives on it can be read, and every frame
 * written leaves through it. Frames this socket sends are not read back.
 * Each frame travels behind a virtio_net_hdr (VNET_HDR_LEN bytes) that keeps
 * its checksum state; pass it on unchanged.
 *
 * @example
 * const port = openPort('w-client');   // then readFrame(port, buf) / writeFrame(port, buf, n)
 */
export function openPort(name: string): Port {
  const c = load();
  if (Buffer.byteLength(name) === 0 || Buffer.byteLength(name) >= IFNAMSIZ) {
    throw new NetlabError('NETLAB_LINK', `device name "${name}" must be 1 to ${IFNAMSIZ - 1} bytes`);
  }
  const ifindex = c.if_nametoindex(name);
  if (ifindex === 0) throw osError(`if_nametoindex("${name}") (no such device in this namespace)`);
  const fd = c.socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, ETH_P_ALL_BE);
  if (fd < 0) throw osError('socket(AF_PACKET) (needs CAP_NET_RAW: root, or root of the user namespace that owns this network namespace)');
  const addr = Buffer.alloc(SOCKADDR_LL_SIZE);
  addr.writeUInt16LE(AF_PACKET, 0);
  addr.writeUInt16LE(ETH_P_ALL_BE, 2);
  addr.writeInt32LE(ifindex, 4);
  if (c.bind(fd, addr, SOCKADDR_LL_SIZE) < 0) {
    const error = osError(`bind(AF_PACKET) to "${name}"`);
    c.close(fd);
    throw error;
  }
  // The virtio_net_hdr option must come before the ring (the kernel refuses it once a ring exists).
  for (const [option, value, what] of [
    [PACKET_IGNORE_OUTGOING, 1, 'PACKET_IGNORE_OUTGOING (needs Linux 4.20 or newer)'],
    [PACKET_VNET_HDR, 1, 'PACKET_VNET_HDR'],
    [PACKET_VERSION, TPACKET_V2, 'PACKET_VERSION'],
  ] as const) {
    if (setInt(fd, SOL_PACKET, option, value)) continue;
    const error = osError(`setsockopt(${what})`);
    c.close(fd);
    throw error;
  }
  const req = Buffer.alloc(16);
  req.writeUInt32LE(RING_BLOCK, 0);
  req.writeUInt32LE(RING_BLOCKS, 4);
  req.writeUInt32LE(RING_FRAME, 8);
  req.writeUInt32LE((RING_BLOCK / RING_FRAME) * RING_BLOCKS, 12);
  const size = RING_BLOCK * RING_BLOCKS;
  const mapped =
    c.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req, 16) === 0 ? c.mmap(null, size, PROT_READ_WRITE, MAP_SHARED, fd, 0) : null;
  // mmap's failure value is (void *) -1.
  if (mapped === null || koffi.address(mapped) === BigInt.asUintN(64, -1n)) {
    const error = osError('PACKET_RX_RING');
    c.close(fd);
    throw error;
  }
  setInt(fd, SOL_SOCKET, SO_SNDBUF, SOCKET_BUFFER);
  return { name, fd, ring: { memory: Buffer.from(koffi.view(mapped, size)), next: 0, stampMs: 0 } };
}

/** Frames the kernel dropped for this port since the last call (the ring was full). */
export function takeDrops(port: Port): number {
  const stats = Buffer.alloc(8);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(8, 0);
  if (load().getsockopt(port.fd, SOL_PACKET, PACKET_STATISTICS, stats, len) !== 0) return 0;
  return stats.readUInt32LE(4);
}

/**
 * Take the next frame from the port's ring into `buf`, behind its
 * VNET_HDR_LEN-byte header; returns the length of both, or 0 when nothing is
 * waiting. Frames of an MTU up to MAX_MTU fit a slot.
 */
export function readFrame(port: Port, buf: Buffer): number {
  const { memory } = port.ring;
  const at = port.ring.next * RING_FRAME;
  // struct tpacket2_hdr: tp_status u32 @0, tp_len @4, tp_snaplen @8, tp_mac u16 @12, tp_sec u32 @16, tp_nsec u32 @20.
  if ((memory.readUInt32LE(at) & TP_STATUS_USER) === 0) return 0;
  const snaplen = memory.readUInt32LE(at + 8);
  const mac = memory.readUInt16LE(at + 12);
  // When the frame reached the wire, by the kernel's clock: exact even if the pump read it late.
  port.ring.stampMs = memory.readUInt32LE(at + 16) * 1000 + memory.readUInt32LE(at + 20) / 1e6;
  // The kernel puts the virtio_net_hdr right before the Ethernet header.
  const n = memory.copy(buf, 0, at + mac - VNET_HDR_LEN, at + mac + snaplen);
  memory.writeUInt32LE(0, at); // TP_STATUS_KERNEL: the slot is the kernel's again
  port.ring.next = (port.ring.next + 1) % ((RING_BLOCK / RING_FRAME) * RING_BLOCKS);
  return n;
}

/**
 * Write one whole frame, with the header it was read with; false when it was dropped, as a real link would:
 * a full buffer (EAGAIN, ENOBUFS) or a device that is down (ENETDOWN, ENXIO, EIO).
 */
export function writeFrame(port: Port, frame: Buffer, length = frame.length): boolean {
  const n = load().write(port.fd, frame, length);
  if (n >= 0) return true;
  const errno = koffi.errno();
  if ([EAGAIN, EINTR, EIO, ENETDOWN, ENOBUFS, ENXIO].includes(errno)) return false;
  throw osError(`write to ${port.name}`);
}

/**
 * Waits until one of a fixed set of fds is readable, with a sub-millisecond
 * timeout (ppoll takes a timespec; poll's would round to whole ms).
 */
export class Poller {
  private readonly pollfds: Buffer;
  private readonly ts = Buffer.alloc(16);
  constructor(private readonly fds: readonly number[]) {
    this.pollfds = Buffer.alloc(8 * fds.length);
    fds.forEach((fd, i) => {
      this.pollfds.writeInt32LE(fd, i * 8);
      this.pollfds.writeInt16LE(POLLIN, i * 8 + 4);
    });
  }

  /** Returns, per fd in constructor order, whether it is readable (or hung up). */
  wait(timeoutMs: number): boolean[] {
    const ns = Math.max(0, Math.round(timeoutMs * 1e6));
    this.ts.writeBigInt64LE(BigInt(Math.floor(ns / 1e9)), 0);
    this.ts.writeBigInt64LE(BigInt(ns % 1e9), 8);
    for (let i = 0; i < this.fds.length; i++) this.pollfds.writeInt16LE(0, i * 8 + 6);
    const n = load().ppoll(this.pollfds, this.fds.length, this.ts, null);
    if (n < 0 && koffi.errno() !== EINTR) throw osError('ppoll');
    return this.fds.map((_, i) => n > 0 && this.pollfds.readInt16LE(i * 8 + 6) !== 0);
  }
}

// <sched.h>: SCHED_FIFO = 1; struct sched_param is one int.
const SCHED_FIFO = 1;

/**
 * Run this process under SCHED_FIFO at `priority` (1–99) so that its timer
 * wakeups are not queued behind other busy processes. Returns false when not
 * permitted (needs CAP_SYS_NICE).
 */
export function setRealtimePriority(priority: number): boolean {
  const param = Buffer.alloc(4);
  param.writeInt32LE(priority, 0);
  return load().sched_setscheduler(0, SCHED_FIFO, param) === 0;
}

/** Ask the kernel to send `signal` to this process when its parent exits. */
export function dieWithParent(signal = 9): void {
  load().prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0);
}
