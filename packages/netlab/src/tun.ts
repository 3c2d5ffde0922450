// TUN devices through libc: open /dev/net/tun, attach it to a named L3
// device with ioctl(TUNSETIFF), and move raw IP packets with read/write.
// koffi is imported the way every package imports it (tcp-options, pcap): its CommonJS default export.
import koffi from 'koffi';
import { NetlabError } from './errors.js';

// <fcntl.h> on x86-64 / aarch64 Linux (asm-generic/fcntl.h).
const O_RDWR = 0o2;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
// <linux/if_tun.h>: TUNSETIFF = _IOW('T', 202, int); IFF_TUN = L3 packets; IFF_NO_PI = no 4-byte packet-info prefix.
const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;
// <net/if.h>: IFNAMSIZ counts the terminating NUL; struct ifreq is 40 bytes on 64-bit.
const IFNAMSIZ = 16;
const IFREQ_SIZE = 40;
// <poll.h>
const POLLIN = 0x001;
// <asm-generic/errno-base.h>
const EINTR = 4;
const EIO = 5;
const EAGAIN = 11;
// <linux/prctl.h>: deliver a signal to this process when its parent dies.
const PR_SET_PDEATHSIG = 1;

interface Libc {
  open(path: string, flags: number): number;
  ioctl(fd: number, request: number, arg: Buffer): number;
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
  if (process.platform !== 'linux') throw new NetlabError('NETLAB_UNSUPPORTED', `TUN devices need Linux, this is ${process.platform}`);
  const lib = koffi.load('libc.so.6');
  // ioctl and prctl are variadic in C; pinning the argument types is what the kernel ABI expects.
  libc = {
    open: lib.func('int open(const char *path, int flags)') as Libc['open'],
    ioctl: lib.func('int ioctl(int fd, unsigned long request, void *arg)') as Libc['ioctl'],
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
  return new NetlabError('NETLAB_TUN', `${what}: ${load().strerror(errno)} (errno ${errno})`);
}

/** An open TUN device: one fd that reads and writes whole IP packets. */
export interface Tun {
  readonly name: string;
  readonly fd: number;
}

/**
 * Create a TUN device named `name` (at most 15 bytes) owned by this process.
 * The device exists while the fd is open: closing it, or the process dying,
 * deletes it, wherever it has been moved since.
 *
 * @example
 * const tun = openTun('cl-123-0a');   // then: ip link set cl-123-0a netns NS
 */
export function openTun(name: string): Tun {
  const c = load();
  const bytes = Buffer.from(name);
  if (bytes.length === 0 || bytes.length >= IFNAMSIZ) {
    throw new NetlabError('NETLAB_TUN', `TUN name "${name}" must be 1 to ${IFNAMSIZ - 1} bytes`);
  }
  const fd = c.open('/dev/net/tun', O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw osError('open /dev/net/tun');
  const ifr = Buffer.alloc(IFREQ_SIZE);
  bytes.copy(ifr, 0);
  ifr.writeUInt16LE(IFF_TUN | IFF_NO_PI, IFNAMSIZ);
  if (c.ioctl(fd, TUNSETIFF, ifr) < 0) {
    const error = osError(`ioctl(TUNSETIFF) for "${name}"`);
    c.close(fd);
    throw error;
  }
  return { name, fd };
}

/** Read one packet into `buf`; returns its length, or 0 when nothing is waiting. */
export function readPacket(tun: Tun, buf: Buffer): number {
  const n = load().read(tun.fd, buf, buf.length);
  if (n >= 0) return n;
  const errno = koffi.errno();
  if (errno === EAGAIN || errno === EINTR) return 0;
  throw osError(`read from ${tun.name}`);
}

/**
 * Write one whole packet; false when it was dropped, as a real link would:
 * a full queue (EAGAIN) or a device that is not up yet (EIO).
 */
export function writePacket(tun: Tun, packet: Buffer, length = packet.length): boolean {
  const n = load().write(tun.fd, packet, length);
  if (n >= 0) return true;
  const errno = koffi.errno();
  if (errno === EAGAIN || errno === EINTR || errno === EIO) return false;
  throw osError(`write to ${tun.name}`);
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
