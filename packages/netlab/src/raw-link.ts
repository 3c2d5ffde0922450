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
import { NetlabError } from './errors.js';

// <linux/socket.h>, <linux/if_ether.h>, <linux/if_packet.h> (x86-64 / aarch64).
const AF_PACKET = 17;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
/** ETH_P_ALL in network byte order: every protocol. */
const ETH_P_ALL_BE = 0x0300;
const SOL_PACKET = 263;
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
// <asm-generic/socket.h>: the FORCE variant ignores rmem_max (needs CAP_NET_ADMIN in the namespace's owner).
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;
// struct sockaddr_ll: family u16, protocol be16, ifindex i32, hatype u16, pkttype u8, halen u8, addr[8].
const SOCKADDR_LL_SIZE = 20;
// <net/if.h>: IFNAMSIZ counts the terminating NUL.
const IFNAMSIZ = 16;
/** Room for bursts while the pump is busy elsewhere: a window of several hundred full frames. */
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
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  if_nametoindex(name: string): number;
  read(fd: number, buf: Buffer, count: number): number;
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
  if (process.platform !== 'linux') throw new NetlabError('NETLAB_UNSUPPORTED', `AF_PACKET sockets need Linux, this is ${process.platform}`);
  const lib = koffi.load('libc.so.6');
  // prctl is variadic in C; pinning the argument types is what the kernel ABI expects.
  libc = {
    socket: lib.func('int socket(int domain, int type, int protocol)') as Libc['socket'],
    bind: lib.func('int bind(int fd, const void *addr, unsigned int len)') as Libc['bind'],
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, unsigned int len)') as Libc['setsockopt'],
    if_nametoindex: lib.func('unsigned int if_nametoindex(const char *name)') as Libc['if_nametoindex'],
    read: lib.func('long read(int fd, void *buf, size_t count)') as Libc['read'],
    write: lib.func('long write(int fd, const void *buf, size_t count)') as Libc['write'],
    close: lib.func('int close(int fd)') as Libc['close'],
    ppoll: lib.func('int ppoll(void *fds, unsigned long nfds, void *timeout, void *sigmask)') as Libc['ppoll'],
    prctl: lib.func('int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)') as Libc['prctl'],
    strerror: lib.func('const char *strerror(int errnum)') as Libc['strerror'],
    sched_setscheduler: lib.func('int sched_setscheduler(int pid, int policy, void *param)') as Libc['sched_setscheduler'],
  };
  return libc;
}

function osError(what: string): NetlabError {
  const errno = koffi.errno();
  return new NetlabError('NETLAB_LINK', `${what}: ${load().strerror(errno)} (errno ${errno})`);
}

/** One side of the delay line: a packet socket bound to one device. */
export interface Port {
  readonly name: string;
  readonly fd: number;
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
  for (const [option, what] of [[PACKET_IGNORE_OUTGOING, 'PACKET_IGNORE_OUTGOING (needs Linux 4.20 or newer)'], [PACKET_VNET_HDR, 'PACKET_VNET_HDR']] as const) {
    if (setInt(fd, SOL_PACKET, option, 1)) continue;
    const error = osError(`setsockopt(${what})`);
    c.close(fd);
    throw error;
  }
  if (!setInt(fd, SOL_SOCKET, SO_RCVBUFFORCE, SOCKET_BUFFER)) setInt(fd, SOL_SOCKET, SO_RCVBUF, SOCKET_BUFFER);
  setInt(fd, SOL_SOCKET, SO_SNDBUF, SOCKET_BUFFER);
  return { name, fd };
}

/**
 * Read one frame into `buf`, behind its VNET_HDR_LEN-byte header; returns
 * the length of both, or 0 when nothing is waiting.
 */
export function readFrame(port: Port, buf: Buffer): number {
  const n = load().read(port.fd, buf, buf.length);
  if (n >= 0) return n;
  const errno = koffi.errno();
  if (errno === EAGAIN || errno === EINTR || errno === ENETDOWN) return 0;
  throw osError(`read from ${port.name}`);
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
