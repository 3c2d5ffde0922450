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
  if (process.platform !== 'linux') return { ok: false, reason: 'no tcpdump: the check installs Debian\'s tcpdump package (Linux only)' };
  const asked = env.CONNLAB_INSTALL_TCPDUMP === '1' || env.CI === 'true';
  if (!asked) return { ok: false, reason: 'no tcpdump; install it (apt-get install -y tcpdump) or let the test do it as root with CONNLAB_INSTALL_TCPDUMP=1' };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { ok: false, reason: 'no tcpdump, and installing it with apt needs root' };
  try {
    // One apt at a time (shared with the Chromium install): apt's own lock fails a second install instead of waiting.
    const script = 'apt-get install -y tcpdump || (apt-get update && apt-get install -y tcpdump)';
    const flock = ['/usr/bin/flock', '/bin/flock'].find((p) => existsSync(p));
    const [cmd, args] = flock ? [flock, ['/tmp/connlab-apt.lock', 'sh', '-c', script]] : ['sh', ['-c', script]];
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 10 * 60_000 });
  } catch (error) {
    return { ok: false, reason: `installing tcpdump with apt failed: ${error instanceof Error ? error.message.split('\n')[0]! : String(error)}` };
  }
  const installed = found();
  return installed ? { ok: true, path: installed } : { ok: false, reason: 'apt-get install tcpdump finished but tcpdump is missing' };
}

/** One line of `tcpdump -r FILE -n -S`: the flags and payload length it read. */
export interface TcpdumpLine {
  flags: string;
  length: number;
  text: string;
}

/**
 * Read a pcap file with tcpdump (`-r FILE -n`) and return its TCP lines' flags
 * and lengths; throws when tcpdump rejects the file.
 */
export function readWithTcpdump(tcpdumpPath: string, pcapPath: string): TcpdumpLine[] {
  const out = execFileSync(tcpdumpPath, ['-r', pcapPath, '-n', '-tt'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000, maxBuffer: 64 << 20 });
  const lines: TcpdumpLine[] = [];
  for (const text of out.split('\n')) {
    const m = /Flags \[([^\]]*)\].*length (\d+)/.exec(text);
    if (m) lines.push({ flags: m[1]!, length: Number(m[2]), text });
  }
  return lines;
}
