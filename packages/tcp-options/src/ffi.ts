// setsockopt(2)/getsockopt(2) from the C library through koffi (prebuilt FFI,
// no native addon to compile). Loaded on first use, so importing this package
// costs nothing on platforms or code paths that never touch an option.
import koffi from 'koffi';
import type { OptionConstant, OptionName } from './constants.js';
import { SocketOptionError, UnsupportedOptionError } from './errors.js';

export interface Libc {
  setsockopt: (fd: number, level: number, name: number, value: Buffer, length: number) => number;
  getsockopt: (fd: number, level: number, name: number, value: Buffer, length: [number]) => number;
  socket: (domain: number, type: number, protocol: number) => number;
  bind: (fd: number, address: Buffer, length: number) => number;
  listen: (fd: number, backlog: number) => number;
  getsockname: (fd: number, address: Buffer, length: [number]) => number;
  close: (fd: number) => number;
}

let libc: Libc | undefined;

function libraryPath(): string {
  if (process.platform === 'linux') return 'libc.so.6';
  if (process.platform === 'darwin') return '/usr/lib/libSystem.B.dylib';
  throw new UnsupportedOptionError('setsockopt via FFI', process.platform);
}

/** The C library's socket calls (loaded on first use). */
export function load(): Libc {
  if (libc) return libc;
  const lib = koffi.load(libraryPath());
  // socklen_t is a 32-bit unsigned int on Linux and macOS.
  const setsockopt = lib.func('int setsockopt(int fd, int level, int optname, const void *optval, uint32_t optlen)');
  const getsockopt = lib.func('int getsockopt(int fd, int level, int optname, _Out_ void *optval, _Inout_ uint32_t *optlen)');
  const socket = lib.func('int socket(int domain, int type, int protocol)');
  const bind = lib.func('int bind(int fd, const void *addr, uint32_t addrlen)');
  const listen = lib.func('int listen(int fd, int backlog)');
  const getsockname = lib.func('int getsockname(int fd, _Out_ void *addr, _Inout_ uint32_t *addrlen)');
  const close = lib.func('int close(int fd)');
  libc = {
    setsockopt: (fd, level, name, value, length) => setsockopt(fd, level, name, value, length) as number,
    getsockopt: (fd, level, name, value, length) => getsockopt(fd, level, name, value, length) as number,
    socket: (domain, type, protocol) => socket(domain, type, protocol) as number,
    bind: (fd, address, length) => bind(fd, address, length) as number,
    listen: (fd, backlog) => listen(fd, backlog) as number,
    getsockname: (fd, address, length) => getsockname(fd, address, length) as number,
    close: (fd) => close(fd) as number,
  };
  return libc;
}

let errnoNames: Map<number, string> | undefined;
/** "EADDRINUSE" for 98 on Linux, or "errno N" when koffi does not know it. */
export function errnoName(errno: number): string {
  errnoNames ??= new Map(Object.entries(koffi.os.errno).map(([name, value]) => [value, name]));
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

function fail(option: OptionName, operation: 'setsockopt' | 'getsockopt', peer: string): never {
  const errno = koffi.errno();
  throw new SocketOptionError(option, operation, errno, errnoName(errno), peer);
}

/** setsockopt with raw bytes. */
export function setRaw(fd: number, option: OptionName, constant: OptionConstant, value: Buffer, peer: string): void {
  if (load().setsockopt(fd, constant.level, constant.name, value, value.length) !== 0) fail(option, 'setsockopt', peer);
}

/** getsockopt into a buffer of `size` bytes; returns the bytes the kernel filled in. */
export function getRaw(fd: number, option: OptionName, constant: OptionConstant, size: number, peer: string): Buffer {
  const value = Buffer.alloc(size);
  const length: [number] = [size];
  if (load().getsockopt(fd, constant.level, constant.name, value, length) !== 0) fail(option, 'getsockopt', peer);
  return value.subarray(0, Math.min(size, length[0]));
}

/** setsockopt with a C int. */
export function setInt(fd: number, option: OptionName, constant: OptionConstant, value: number, peer: string): void {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32LE(value);
  setRaw(fd, option, constant, buffer, peer);
}

/** getsockopt of a C int. */
export function getInt(fd: number, option: OptionName, constant: OptionConstant, peer: string): number {
  const buffer = getRaw(fd, option, constant, 4, peer);
  return buffer.length >= 4 ? buffer.readInt32LE(0) : buffer.readUInt8(0);
}
