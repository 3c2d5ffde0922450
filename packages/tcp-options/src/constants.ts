// Socket option numbers per platform, with the header each one comes from.
import { UnsupportedOptionError } from './errors.js';

/** The options this package sets or reads. */
export type OptionName =
  | 'TCP_NODELAY'
  | 'SO_KEEPALIVE'
  | 'TCP_KEEPIDLE'
  | 'TCP_KEEPINTVL'
  | 'TCP_KEEPCNT'
  | 'TCP_INFO'
  | 'TCP_CONGESTION'
  | 'TCP_USER_TIMEOUT'
  | 'TCP_DEFER_ACCEPT'
  | 'SO_REUSEADDR'
  | 'SO_REUSEPORT';

export interface OptionConstant {
  /** `level` argument of setsockopt (SOL_SOCKET or IPPROTO_TCP). */
  level: number;
  /** `optname` argument of setsockopt. */
  name: number;
  /** The platform's own name for it (macOS calls the idle time TCP_KEEPALIVE). */
  native: string;
}

// IPPROTO_TCP = 6 everywhere: <netinet/in.h>, IANA protocol number for TCP.
const IPPROTO_TCP = 6;

// Linux: SOL_SOCKET/SO_KEEPALIVE from include/uapi/asm-generic/socket.h
// (x86, arm, riscv; alpha/mips/parisc/sparc differ and are not supported here);
// TCP_* from include/uapi/linux/tcp.h (also glibc <netinet/tcp.h>).
const LINUX_SOL_SOCKET = 1;
const linux: Record<OptionName, OptionConstant> = {
  TCP_NODELAY: { level: IPPROTO_TCP, name: 1, native: 'TCP_NODELAY' },
  SO_KEEPALIVE: { level: LINUX_SOL_SOCKET, name: 9, native: 'SO_KEEPALIVE' },
  TCP_KEEPIDLE: { level: IPPROTO_TCP, name: 4, native: 'TCP_KEEPIDLE' },
  TCP_KEEPINTVL: { level: IPPROTO_TCP, name: 5, native: 'TCP_KEEPINTVL' },
  TCP_KEEPCNT: { level: IPPROTO_TCP, name: 6, native: 'TCP_KEEPCNT' },
  TCP_INFO: { level: IPPROTO_TCP, name: 11, native: 'TCP_INFO' },
  TCP_CONGESTION: { level: IPPROTO_TCP, name: 13, native: 'TCP_CONGESTION' },
  TCP_USER_TIMEOUT: { level: IPPROTO_TCP, name: 18, native: 'TCP_USER_TIMEOUT' },
  TCP_DEFER_ACCEPT: { level: IPPROTO_TCP, name: 9, native: 'TCP_DEFER_ACCEPT' },
  SO_REUSEADDR: { level: LINUX_SOL_SOCKET, name: 2, native: 'SO_REUSEADDR' },
  SO_REUSEPORT: { level: LINUX_SOL_SOCKET, name: 15, native: 'SO_REUSEPORT' },
};

// macOS: SOL_SOCKET 0xffff and SO_KEEPALIVE 0x0008 from <sys/socket.h>;
// TCP_NODELAY 0x01, TCP_KEEPALIVE 0x10 (the idle time, in seconds),
// TCP_KEEPINTVL 0x101, TCP_KEEPCNT 0x102 from <netinet/tcp.h> (XNU bsd/netinet/tcp.h).
// macOS has no TCP_INFO with Linux's layout, no TCP_CONGESTION, no TCP_USER_TIMEOUT.
const DARWIN_SOL_SOCKET = 0xffff;
const darwin: Partial<Record<OptionName, OptionConstant>> = {
  TCP_NODELAY: { level: IPPROTO_TCP, name: 0x01, native: 'TCP_NODELAY' },
  SO_KEEPALIVE: { level: DARWIN_SOL_SOCKET, name: 0x0008, native: 'SO_KEEPALIVE' },
  TCP_KEEPIDLE: { level: IPPROTO_TCP, name: 0x10, native: 'TCP_KEEPALIVE' },
  TCP_KEEPINTVL: { level: IPPROTO_TCP, name: 0x101, native: 'TCP_KEEPINTVL' },
  TCP_KEEPCNT: { level: IPPROTO_TCP, name: 0x102, native: 'TCP_KEEPCNT' },
  SO_REUSEADDR: { level: DARWIN_SOL_SOCKET, name: 0x0004, native: 'SO_REUSEADDR' },
  SO_REUSEPORT: { level: DARWIN_SOL_SOCKET, name: 0x0200, native: 'SO_REUSEPORT' },
};

const tables: Partial<Record<NodeJS.Platform, Partial<Record<OptionName, OptionConstant>>>> = { linux, darwin };

/**
 * The level and number of `option` on `platform` (default: this one), or an
 * UnsupportedOptionError naming both.
 *
 * @example
 * ```ts
 * optionConstant('TCP_KEEPIDLE', 'darwin'); // { level: 6, name: 0x10, native: 'TCP_KEEPALIVE' }
 * ```
 */
export function optionConstant(option: OptionName, platform: NodeJS.Platform = process.platform): OptionConstant {
  const constant = tables[platform]?.[option];
  if (!constant) throw new UnsupportedOptionError(option, platform);
  return constant;
}

// Kernel limits, include/net/tcp.h: MAX_TCP_KEEPIDLE 32767 s, MAX_TCP_KEEPINTVL 32767 s, MAX_TCP_KEEPCNT 127.
export const MAX_TCP_KEEPIDLE_S = 32767;
export const MAX_TCP_KEEPINTVL_S = 32767;
export const MAX_TCP_KEEPCNT = 127;
// TCP_CA_NAME_MAX 16 (include/net/tcp.h), including the terminating NUL.
export const TCP_CA_NAME_MAX = 16;
