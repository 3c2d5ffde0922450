// withNamespaces(): build namespaces + veth links + sysctls, run a function, tear everything down.
import { runCommand } from './command.js';
import { trackHost, trackNamespace, untrackHost, untrackNamespace } from './cleanup.js';
import { netnsAvailability } from './availability.js';
import { openRootlessHost, rootHost } from './host.js';
import type { LabHost } from './host.js';
import { NetnsSpecError, NetnsUnavailableError } from './errors.js';
import { namespaceName, sweepStaleNamespaces } from './names.js';
import { Namespace } from './namespace.js';

/** A veth pair joining two namespaces of the spec. */
export interface LinkSpec {
  /** Labels of the two namespaces, e.g. `['client', 'server']`. */
  between: readonly [string, string];
  /**
   * CIDR address for each end, in the same order. Default for the i-th link:
   * `10.203.<i>.1/30` and `10.203.<i>.2/30` (private, and only ever inside these namespaces).
   */
  addresses?: readonly [string, string];
}

export interface NetnsSpec {
  /** Logical labels of the namespaces to create: lowercase letters, digits, dashes. */
  namespaces: readonly string[];
  links?: readonly LinkSpec[];
  /** Per-namespace sysctls set after creation, e.g. `{ client: { 'net.ipv4.tcp_tw_reuse': 0 } }`. */
  sysctls?: Readonly<Record<string, Readonly<Record<string, string | number>>>>;
}

/** One end of a veth link. */
export interface LinkEnd {
  namespace: Namespace;
  /** Device name inside that namespace, e.g. `v0-server`. */
  device: string;
  /** Address without prefix length, e.g. `10.203.0.1`. */
  address: string;
  /** Address with prefix length, e.g. `10.203.0.1/30`. */
  cidr: string;
}

export interface Link {
  a: LinkEnd;
  b: LinkEnd;
}

/** What the function passed to {@link withNamespaces} receives. */
export interface NetnsLab {
  /** `root`: namespaces on the host; `rootless`: inside a user namespace this process created. */
  readonly mode: LabHost['mode'];
  /** Rootless: pid of the process that holds the user namespace (the lab ends with it). */
  readonly holderPid: number | undefined;
  /** The namespace with this label; throws NetnsSpecError for an unknown label. */
  ns(label: string): Namespace;
  /** The link between two labels, oriented so that `a` is in `from`; throws if there is none. */
  link(from: string, to: string): Link;
  readonly namespaces: readonly Namespace[];
  readonly links: readonly Link[];
}

/** A lab you close yourself (for test hooks); prefer {@link withNamespaces}. */
export interface OpenNetnsLab extends NetnsLab {
  /** Kill every child started in the lab and delete its namespaces. Idempotent. */
  close(): Promise<void>;
}

const labelPattern = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const cidrPattern = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/i;

function validate(spec: NetnsSpec): void {
  const labels = new Set(spec.namespaces);
  if (labels.size !== spec.namespaces.length) throw new NetnsSpecError(`namespace labels must be unique: ${spec.namespaces.join(', ')}`);
  for (const label of labels) {
    if (!labelPattern.test(label) || label.length > 20)
      throw new NetnsSpecError(`namespace label "${label}" must be kebab-case, at most 20 characters`);
  }
  for (const [i, link] of (spec.links ?? []).entries()) {
    for (const label of link.between) {
      if (!labels.has(label)) throw new NetnsSpecError(`link ${i} names namespace "${label}", which is not in the spec`);
    }
    if (link.between[0] === link.between[1]) throw new NetnsSpecError(`link ${i} joins "${link.between[0]}" to itself`);
    for (const cidr of link.addresses ?? []) {
      if (!cidrPattern.test(cidr)) throw new NetnsSpecError(`link ${i} address "${cidr}" is not CIDR like 10.203.0.1/30`);
    }
  }
  for (const label of Object.keys(spec.sysctls ?? {})) {
    if (!labels.has(label)) throw new NetnsSpecError(`sysctls name namespace "${label}", which is not in the spec`);
  }
}

function end(namespace: Namespace, device: string, cidr: string): LinkEnd {
  return { namespace, device, cidr, address: cidr.split('/')[0]! };
}

/**
 * Create the namespaces, links and sysctls of `spec` and return a lab that
 * you must `close()`. Throws NetnsUnavailableError (one-line reason) when
 * neither root nor rootless mode is available (see netnsAvailability).
 */
export async function openNamespaces(spec: NetnsSpec): Promise<OpenNetnsLab> {
  const availability = netnsAvailability();
  if (availability.mode === 'unavailable') throw new NetnsUnavailableError(availability.reason ?? 'network namespaces are unavailable');
  validate(spec);
  let host: LabHost = rootHost;
  if (availability.mode === 'root') {
    await sweepStaleNamespaces().catch(() => []);
  } else {
    // Rootless namespaces live in the holder's private /run: nothing to sweep, and no names shared with other labs.
    host = await openRootlessHost();
    trackHost(host);
  }
  const run = (args: readonly string[]): ReturnType<typeof runCommand> => runCommand(...host.command('ip', args));

  const byLabel = new Map<string, Namespace>();
  const links: Link[] = [];
  const lab: OpenNetnsLab = {
    mode: host.mode,
    holderPid: host.pid,
    ns(label) {
      const ns = byLabel.get(label);
      if (!ns) throw new NetnsSpecError(`no namespace labelled "${label}" (have ${[...byLabel.keys()].join(', ')})`);
      return ns;
    },
    link(from, to) {
      for (const link of links) {
        if (link.a.namespace.label === from && link.b.namespace.label === to) return link;
        if (link.b.namespace.label === from && link.a.namespace.label === to) return { a: link.b, b: link.a };
      }
      throw new NetnsSpecError(`no link between "${from}" and "${to}"`);
    },
    get namespaces() {
      return [...byLabel.values()];
    },
    links,
    close: async () => {
      const all = [...byLabel.values()];
      byLabel.clear();
      await Promise.all(all.map((ns) => ns.killChildren()));
      for (const ns of all) {
        await run(['netns', 'delete', ns.name]).catch(() => undefined);
        untrackNamespace(ns.name);
      }
      host.closeSync();
      untrackHost(host);
    },
  };

  try {
    for (const label of spec.namespaces) {
      const name = namespaceName(label);
      await run(['netns', 'add', name]);
      trackNamespace(name, host);
      const ns = new Namespace(label, name, host);
      byLabel.set(label, ns);
      await ns.setLink('lo', 'up');
    }
    for (const [i, linkSpec] of (spec.links ?? []).entries()) {
      const [la, lb] = linkSpec.between;
      const nsA = lab.ns(la);
      const nsB = lab.ns(lb);
      const [cidrA, cidrB] = linkSpec.addresses ?? [`10.203.${i}.1/30`, `10.203.${i}.2/30`];
      // Device names are per namespace, so they only need to be unique inside one (max 15 chars).
      const devA = `v${i}-${lb}`.slice(0, 15);
      const devB = `v${i}-${la}`.slice(0, 15);
      // Both ends are created directly inside their namespaces: nothing appears on the host.
      await run(['link', 'add', devA, 'netns', nsA.name, 'type', 'veth', 'peer', 'name', devB, 'netns', nsB.name]);
      await nsA.ip(['addr', 'add', cidrA, 'dev', devA]);
      await nsB.ip(['addr', 'add', cidrB, 'dev', devB]);
      await nsA.setLink(devA, 'up');
      await nsB.setLink(devB, 'up');
      links.push({ a: end(nsA, devA, cidrA), b: end(nsB, devB, cidrB) });
    }
    for (const [label, values] of Object.entries(spec.sysctls ?? {})) {
      for (const [key, value] of Object.entries(values)) await lab.ns(label).setSysctl(key, value);
    }
  } catch (error) {
    await lab.close();
    throw error;
  }
  return lab;
}

/**
 * Run `fn` with throwaway namespaces joined by veth pairs, then delete them:
 * after a normal return, a thrown error, process.exit, SIGINT or SIGTERM.
 * Without root it uses a user namespace (rootless mode) when the kernel allows
 * one; otherwise it throws NetnsUnavailableError, whose message is one line.
 *
 * @example
 * ```ts
 * const route = await withNamespaces(
 *   { namespaces: ['client', 'server'], links: [{ between: ['client', 'server'] }] },
 *   async (lab) => {
 *     const { b } = lab.link('client', 'server');
 *     const { stdout } = await lab.ns('client').ip(['route', 'get', b.address]);
 *     return stdout; // "10.203.0.2 dev v0-server src 10.203.0.1 ..."
 *   },
 * );
 * ```
 */
export async function withNamespaces<T>(spec: NetnsSpec, fn: (lab: NetnsLab) => Promise<T>): Promise<T> {
  const lab = await openNamespaces(spec);
  try {
    return await fn(lab);
  } finally {
    await lab.close();
  }
}
