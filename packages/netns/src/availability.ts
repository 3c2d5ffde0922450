// Can this process create network namespaces, and how: as root, inside a user
// namespace it creates (rootless), or not at all (with the reason and the one
// setting that would enable it).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** How labs are built here. */
export type NetnsMode = 'root' | 'rootless' | 'unavailable';

export interface NetnsAvailability {
  mode: NetnsMode;
  /** For `unavailable`: why, in one line (it names the setting to change when one would help). */
  reason?: string;
  /** For `unavailable`, when one kernel setting is what stands in the way: the command that enables it. */
  enable?: string;
}

let cached: NetnsAvailability | undefined;

/**
 * Which mode labs run in on this machine, checked once per process:
 * - `root`: `ip netns add` on the host, as before;
 * - `rootless`: not root, but unprivileged user namespaces are allowed, so
 *   each lab lives in a user namespace it creates (`unshare -Urnm`);
 * - `unavailable`: with `reason` (one line) and, when a sysctl is the cause, `enable`.
 *
 * `CONNLAB_NETNS=rootless` forces the user-namespace mode even as root (to
 * try it), `CONNLAB_NETNS=off` reports unavailable (to try the fallbacks).
 *
 * @example
 * ```ts
 * const { mode, reason } = netnsAvailability();
 * if (mode === 'unavailable') console.log(`skipped: ${reason}`);
 * ```
 */
export function netnsAvailability(): NetnsAvailability {
  cached ??= probe();
  return cached;
}

/**
 * Why network namespaces cannot be used here, in one line, or `undefined`
 * when they can (as root or rootless).
 *
 * @example
 * ```ts
 * const reason = netnsUnavailableReason();
 * if (reason) return { skipped: reason, ... };
 * ```
 */
export function netnsUnavailableReason(): string | undefined {
  return netnsAvailability().reason;
}

function unavailable(reason: string, enable?: string): NetnsAvailability {
  return enable ? { mode: 'unavailable', reason, enable } : { mode: 'unavailable', reason };
}

function onPath(file: string, args: string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** A sysctl's value from /proc/sys, or undefined when this kernel does not have it. */
function sysctl(key: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function probe(): NetnsAvailability {
  if (process.platform !== 'linux') return unavailable(`network namespaces are Linux-only (this is ${process.platform})`);
  const forced = process.env.CONNLAB_NETNS;
  if (forced === 'off') return unavailable('network namespaces are switched off (CONNLAB_NETNS=off)');
  if (!onPath('ip', ['-V'])) return unavailable('network namespaces need the `ip` command (iproute2), which is not on PATH');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && forced !== 'rootless') return { mode: 'root' };
  return rootless();
}

// Each check names the one setting that blocks unprivileged user namespaces.
function rootless(): NetnsAvailability {
  if (!onPath('unshare', ['--version']) || !onPath('nsenter', ['--version'])) {
    return unavailable('not root, and user namespaces need `unshare` and `nsenter` (util-linux), which are not on PATH');
  }
  // Debian and older Ubuntu kernels: a switch for unprivileged user namespaces.
  if (sysctl('kernel.unprivileged_userns_clone') === '0') {
    return unavailable(
      'not root, and this kernel forbids unprivileged user namespaces (kernel.unprivileged_userns_clone = 0)',
      'sudo sysctl -w kernel.unprivileged_userns_clone=1',
    );
  }
  // Ubuntu 24.04+: AppArmor lets the namespace be made but strips its capabilities.
  if (sysctl('kernel.apparmor_restrict_unprivileged_userns') === '1') {
    return unavailable(
      'not root, and AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1)',
      'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0',
    );
  }
  if (sysctl('user.max_user_namespaces') === '0') {
    return unavailable(
      'not root, and user namespaces are disabled (user.max_user_namespaces = 0)',
      'sudo sysctl -w user.max_user_namespaces=15000',
    );
  }
  // The settings look fine; try the real thing: what a lab's holder does first.
  const trial = spawnSync('unshare', ['-Urnm', 'sh', '-c', 'mount -t tmpfs tmpfs /run && ip link set lo up'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (trial.status !== 0) {
    const why = (trial.stderr || trial.error?.message || `exit ${String(trial.status)}`).trim().split('\n')[0];
    return unavailable(`not root, and a user namespace could not be set up here: unshare -Urnm: ${why}`);
  }
  return { mode: 'rootless' };
}
