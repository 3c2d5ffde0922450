// tcpdump as an independent reader of the pcap files this package writes:
// found on PATH, or installed from Debian's packages when that is allowed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export type TcpdumpAvailability = { ok: true; path: string } | { ok: false; reason: string };

const candidates = ['/usr/bin/tcpdump', '/usr/sbin/tcpdump', '/sbin/tcpdump'];

/**
 * Find tcpdump, installing Debian's package first when that is allowed: as
 * root with CI=true, or when CONNLAB_INSTALL_TCPDUMP=1 asks for it (the way the
 * report's Chromium check gets its browser). Otherwise one line saying why not.
 *
 * @example
 * const tcpdump = ensureTcpdump();
 * if (!tcpdump.ok) console.log(`skipped: ${tcpdump.reason}`);
 */
export function ensureTcpdump(env: NodeJS.ProcessEnv = process.env, paths: readonly string[] = candidates): TcpdumpAvailability {
  const found = () => paths.find((p) => existsSync(p));
  const path = found();
  if (path) return { ok: true, path };
  if (process.platform !== 'linux') return { ok: false, reason: "no tcpdump: the check installs Debian's tcpdump package (Linux only)" };
  const asked = env.CONNLAB_INSTALL_TCPDUMP === '1' || env.CI === 'true';
  if (!asked)
    return {
      ok: false,
      reason: 'no tcpdump; install it (apt-get install -y tcpdump) or let the test do it as root with CONNLAB_INSTALL_TCPDUMP=1',
    };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0)
    return { ok: false, reason: 'no tcpdump, and installing it with apt needs root' };
  try {
    // One apt at a time (shared with the Chromium install): apt's own lock fails a second install instead of waiting.
    const script = 'apt-get install -y tcpdump || (apt-get update && apt-get install -y tcpdump)';
    const flock = ['/usr/bin/flock', '/bin/flock'].find((p) => existsSync(p));
    const [cmd, args] = flock ? [flock, ['/tmp/connlab-apt.lock', 'sh', '-c', script]] : ['sh', ['-c', script]];
    execFileSync(cmd, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 10 * 60_000,
    });
  } catch (error) {
    return {
      ok: false,
      reason: `installing tcpdump with apt failed: ${error instanceof Error ? error.message.split('\n')[0]! : String(error)}`,
    };
  }
  const installed = found();
  return installed ? { ok: true, path: installed } : { ok: false, reason: 'apt-get install tcpdump finished but tcpdump is missing' };
}

/** One TCP line of `tcpdump -r FILE -n -tt`: when, who to whom, the flags and payload length it read. */
export interface TcpdumpLine {
  /** Seconds since the epoch, as tcpdump printed them. */
  time: number;
  /** `127.0.0.1.43210`, as tcpdump joins address and port. */
  src: string;
  dst: string;
  flags: string;
  length: number;
  text: string;
}

/**
 * Read a pcap file with tcpdump (`-r FILE -n`) and return its TCP lines' flags
 * and lengths; throws when tcpdump rejects the file.
 */
export function readWithTcpdump(tcpdumpPath: string, pcapPath: string): TcpdumpLine[] {
  const out = execFileSync(tcpdumpPath, ['-r', pcapPath, '-n', '-tt'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
    maxBuffer: 64 << 20,
  });
  const lines: TcpdumpLine[] = [];
  for (const text of out.split('\n')) {
    const m = /^(\d+\.\d+) IP6? (\S+) > (\S+): Flags \[([^\]]*)\].*length (\d+)/.exec(text);
    if (m) lines.push({ time: Number(m[1]), src: m[2]!, dst: m[3]!, flags: m[4]!, length: Number(m[5]), text });
  }
  return lines;
}

/**
 * The printed lines (ours, tcpdump-style) whose flags, ack and length tcpdump
 * did not read from the file in the same order; empty when all were found.
 */
export function missingFromTcpdump(printed: readonly string[], theirs: readonly TcpdumpLine[]): string[] {
  const key = (text: string) => {
    const flags = /Flags \[([^\]]*)\]/.exec(text)?.[1];
    // tcpdump prints a SYN-ACK's ack number absolute, every later one relative.
    const ack = flags?.includes('S') ? '-' : (/, ack (\d+)/.exec(text)?.[1] ?? '-');
    const length = /length (\d+)/.exec(text)?.[1];
    return flags === undefined || length === undefined ? undefined : `${flags}|${ack}|${length}`;
  };
  const missing: string[] = [];
  let at = 0;
  for (const line of printed) {
    const want = key(line);
    if (want === undefined) continue;
    const found = theirs.findIndex((t, i) => i >= at && key(t.text) === want);
    if (found < 0) missing.push(line);
    else at = found + 1;
  }
  return missing;
}
