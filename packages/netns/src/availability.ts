// Can this process create network namespaces? One line saying why not, or undefined.
import { execFileSync } from 'node:child_process';

let cached: string | undefined | null = null;

/**
 * Why network namespaces cannot be used here, in one line, or `undefined`
 * when they can (Linux, root, `ip` from iproute2 on PATH).
 *
 * @example
 * ```ts
 * const reason = netnsUnavailableReason();
 * if (reason) return { skipped: reason, ... };
 * ```
 */
export function netnsUnavailableReason(): string | undefined {
  if (cached !== null) return cached;
  cached = probe();
  return cached;
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are Linux-only (this is ${process.platform})`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return 'network namespaces need root (ip netns add); run as root to measure this part';
  }
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'network namespaces need the `ip` command (iproute2), which is not on PATH';
  }
  return undefined;
}
