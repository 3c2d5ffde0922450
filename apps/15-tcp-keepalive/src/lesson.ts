// Lesson 15: TCP keepalive detects a dead peer after idle + interval × count; HTTP keep-alive is something else.
import { capturePath, check, defineLesson, formatMs, table, UsageError } from '@connlab/lab';
import type { Check, Figure, LessonResult, LineFigure, Measurement, TableFigure } from '@connlab/lab';
import { annotate, formatTrace, ladderFigure, tcpSegments, trustedChecks, writePcapFile } from '@connlab/pcap';
import type { TraceLine } from '@connlab/pcap';
import type { KeepAliveState } from '@connlab/tcp-options';
import { run } from './experiment.js';
import type { RunOptions, RunResult, ScenarioResult } from './experiment.js';
import { NAMESPACE_KEEPALIVE } from './protocol.js';

const scenarioLabels: Record<ScenarioResult['scenario'], string> = {
  tuned: 'setKeepAlive 1 s / 1 s / 3 (@connlab/tcp-options)',
  'node-default': "Node's socket.setKeepAlive(true, 1000)",
  'user-timeout': 'no keepalive, TCP_USER_TIMEOUT 3 s, one write',
  'namespace-sysctls': `SO_KEEPALIVE only; namespace sysctls ${NAMESPACE_KEEPALIVE.time} s / ${NAMESPACE_KEEPALIVE.intvl} s / ${NAMESPACE_KEEPALIVE.probes}`,
};

function deadAfterMs(k: KeepAliveState): number {
  return k.idleMs + k.intervalMs * k.count;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 2)} s`;
}

function readBackRows(result: RunResult): (string | number)[][] {
  const { fresh, nodeBuiltIn, connlab } = result.readBack;
  const row = (label: string, k: KeepAliveState): (string | number)[] => [
    label,
    k.enable ? 'on' : 'off',
    seconds(k.idleMs),
    seconds(k.intervalMs),
    k.count,
    seconds(deadAfterMs(k)),
  ];
  return [
    row('fresh socket (system defaults)', fresh),
    row("Node's setKeepAlive(true, 1000)", nodeBuiltIn),
    row('@connlab/tcp-options setKeepAlive', connlab),
  ];
}

/** Is the read-back right: our values exactly, Node's forced interval/count visible? */
export function readBackCheck(result: RunResult): Check {
  const { connlab, nodeBuiltIn } = result.readBack;
  return check(
    "read back: @connlab/tcp-options set 1 s / 1 s / 3; Node's setKeepAlive forced another count",
    connlab.enable && connlab.idleMs === 1000 && connlab.intervalMs === 1000 && connlab.count === 3 && nodeBuiltIn.count !== connlab.count,
    `ours ${connlab.enable ? 'on' : 'off'} ${seconds(connlab.idleMs)} / ${seconds(connlab.intervalMs)} / ${connlab.count}; Node's count ${nodeBuiltIn.count}`,
  );
}

/**
 * Was the dead peer detected, with ETIMEDOUT, in a generous window? One check
 * per dead-peer case that ran: keepalive (tuned) 3–8 s, the namespace's own
 * keepalive sysctls (5 s), TCP_USER_TIMEOUT 2.5–8 s.
 * None when that part was skipped; a missing tuned case fails only when no case ran.
 */
export function tunedChecks(result: RunResult): Check[] {
  const tuned = result.scenarios.find((s) => s.scenario === 'tuned');
  const user = result.scenarios.find((s) => s.scenario === 'user-timeout');
  const ns = result.scenarios.find((s) => s.scenario === 'namespace-sysctls');
  const others = [...(ns ? [namespaceSysctlsCheck(ns)] : []), ...(user ? [userTimeoutCheck(user)] : [])];
  if (!tuned && (result.skipped !== undefined || result.scenarios.length > 0)) return others;
  return [
    check(
      'tuned keepalive: dead peer detected with ETIMEDOUT after 3–8 s',
      tuned !== undefined && tuned.code === 'ETIMEDOUT' && tuned.detectedAfterMs > 3000 && tuned.detectedAfterMs < 8000,
      tuned ? `${tuned.code || 'no error'} after ${formatMs(tuned.detectedAfterMs)}` : 'did not run',
    ),
    ...others,
  ];
}

/**
 * The socket set nothing but SO_KEEPALIVE: the timers it read back, and the
 * time the dead peer took to notice, are the client namespace's own sysctls.
 */
function namespaceSysctlsCheck(s: ScenarioResult): Check {
  const { time, intvl, probes } = NAMESPACE_KEEPALIVE;
  const predicted = (time + intvl * probes) * 1000;
  const k = s.keepAlive;
  return check(
    `namespace sysctls: read back ${time} s / ${intvl} s / ${probes}, dead peer after ${seconds(predicted)} − 1 s … + 4 s with ETIMEDOUT`,
    k.enable &&
      k.idleMs === time * 1000 &&
      k.intervalMs === intvl * 1000 &&
      k.count === probes &&
      s.code === 'ETIMEDOUT' &&
      s.detectedAfterMs > predicted - 1000 &&
      s.detectedAfterMs < predicted + 4000,
    `${seconds(k.idleMs)} / ${seconds(k.intervalMs)} / ${k.count}; ${s.code || 'no error'} after ${formatMs(s.detectedAfterMs)}`,
  );
}

function userTimeoutCheck(s: ScenarioResult): Check {
  return check(
    'TCP_USER_TIMEOUT 3 s: the unacknowledged write fails with ETIMEDOUT after 2.5–8 s',
    s.code === 'ETIMEDOUT' && s.detectedAfterMs > 2500 && s.detectedAfterMs < 8000,
    `${s.code || 'no error'} after ${formatMs(s.detectedAfterMs)}`,
  );
}

/** The tuned run on the wire: its segments, and the keepalive probes among them. */
export interface WireProbes {
  lines: TraceLine[];
  /** Each probe's time after the last data segment, ms. */
  probeAtMs: number[];
  dropped: number;
}

export function wireProbes(s: ScenarioResult): WireProbes {
  const lines = annotate(tcpSegments(s.capture.linkType, s.capture.packets));
  const lastData = lines.findLast((l) => l.segment.payloadLength > 0 && l.kind !== 'keepalive');
  const probes = lines.filter((l) => l.kind === 'keepalive' && l.from === 'client');
  return { lines, probeAtMs: probes.map((p) => p.timeMs - (lastData?.timeMs ?? 0)), dropped: s.capture.dropped };
}

/** On the wire: TCP_KEEPCNT probes, the first TCP_KEEPIDLE after the last data, then one every TCP_KEEPINTVL. */
export function probeCheck(w: WireProbes, k: KeepAliveState): Check {
  const gaps = w.probeAtMs.map((t, i) => t - (i === 0 ? 0 : w.probeAtMs[i - 1]!));
  const expected = gaps.map((_, i) => (i === 0 ? k.idleMs : k.intervalMs));
  // Kernel timers fire on a tick and the peer's last ACK starts the idle clock: ±300 ms.
  const onTime = gaps.every((g, i) => Math.abs(g - expected[i]!) <= 300);
  return check(
    `on the wire (tuned): ${k.count} probes, the first ${seconds(k.idleMs)} after the last data, then every ${seconds(k.intervalMs)} (±300 ms)`,
    w.probeAtMs.length === k.count && onTime,
    `${w.probeAtMs.length} probes, ${gaps.map((g) => formatMs(g)).join(', ')} apart`,
  );
}

function probesFigure(result: RunResult): LineFigure {
  return {
    kind: 'line',
    title: 'TCP_INFO while the peer is gone (sampled every 250 ms)',
    xLabel: 's since the last data (user timeout: since the write)',
    yLabel: 'count',
    series: result.scenarios.map((s) => ({
      name: s.scenario === 'user-timeout' ? `${s.scenario}: tcpi_retransmits` : `${s.scenario}: tcpi_probes`,
      points: s.samples.map((p): [number, number] => [Math.round(p.atMs) / 1000, s.scenario === 'user-timeout' ? p.retransmits : p.probes]),
    })),
  };
}

/** The tuned run's TCP_INFO, one row per half second: the probe counter climbing. */
function probeTable(s: ScenarioResult): TableFigure {
  const rows: (string | number)[][] = [];
  let next = 0;
  for (const p of s.samples) {
    if (p.atMs < next) continue;
    rows.push([formatMs(p.atMs), p.state, p.probes, p.unacked]);
    next = (Math.floor(p.atMs / 500) + 1) * 500;
  }
  rows.push([formatMs(s.detectedAfterMs), s.code, '—', '—']);
  return {
    kind: 'table',
    title: `TCP_INFO of the client socket, ${s.scenario}`,
    columns: ['since last data', 'tcpi_state', 'tcpi_probes', 'tcpi_unacked'],
    rows,
  };
}

/** Turn the measurements into the lesson's printout. */
export function toLessonResult(result: RunResult): LessonResult {
  const d = result.readBack.defaults;
  const systemMs = (d.keepaliveTimeS + d.keepaliveIntervalS * d.keepaliveProbes) * 1000;
  const lines = [
    'Keepalive settings as the kernel reports them (getsockopt) on loopback sockets:',
    '',
    ...table(['how it was set', 'SO_KEEPALIVE', 'idle', 'interval', 'count', 'dead peer noticed after'], readBackRows(result)),
    '',
    `System default: ${d.keepaliveTimeS} s idle + ${d.keepaliveIntervalS} s × ${d.keepaliveProbes} probes = ${systemMs / 1000} s (${Math.floor(systemMs / 3_600_000)} h ${Math.round((systemMs % 3_600_000) / 60_000)} min), and only for sockets that enable SO_KEEPALIVE at all.`,
  ];
  const measurements: Measurement[] = [];
  if (result.scenarios.length > 0) {
    lines.push(
      '',
      'Two namespaces joined by a veth pair; after one exchange the peer goes silent (it drops all it would send back):',
      '',
      ...table(
        ['client socket', 'predicted', 'measured', 'error'],
        result.scenarios.map((s) => [scenarioLabels[s.scenario], seconds(s.expectedMs), formatMs(s.detectedAfterMs), s.code]),
      ),
    );
    for (const s of result.scenarios) {
      const last = s.samples.at(-1);
      if (s.scenario === 'user-timeout') {
        lines.push(
          `user timeout: the write stayed unacknowledged; ${last?.retransmits ?? 0} retransmissions (the RTO doubles from 200 ms), then the kernel gave up at the 3 s limit.`,
        );
      } else {
        lines.push(
          `${s.scenario}: tcpi_probes climbed to ${last?.probes ?? 0} by ${formatMs(last?.atMs ?? Number.NaN)}; one more unanswered interval and the connection was dropped.`,
        );
      }
    }
    const textbook: Record<ScenarioResult['scenario'], string> = {
      tuned: 'idle + intvl × probes = 1 + 1 × 3 = 4 s',
      'node-default': 'Node 20: idle + 1 s × 10 = 11 s (no book figure)',
      'user-timeout': 'TCP_USER_TIMEOUT (RFC 5482) = 3 s',
      'namespace-sysctls': `tcp_keepalive_time + _intvl × _probes = ${NAMESPACE_KEEPALIVE.time} + ${NAMESPACE_KEEPALIVE.intvl} × ${NAMESPACE_KEEPALIVE.probes} = ${NAMESPACE_KEEPALIVE.time + NAMESPACE_KEEPALIVE.intvl * NAMESPACE_KEEPALIVE.probes} s`,
    };
    for (const s of result.scenarios) {
      measurements.push({
        label: `dead peer noticed, ${s.scenario}`,
        value: s.detectedAfterMs,
        unit: 'ms',
        textbook: textbook[s.scenario],
      });
    }
  }
  measurements.push({
    label: 'system default, if it had been enabled',
    value: systemMs / 1000,
    unit: 's',
    textbook: 'tcp_keepalive_time 7200 s + 75 s × 9 (the notes suggest 1800 s, 15 s, 5)',
  });
  lines.push(
    '',
    "HTTP keep-alive is a different thing: an application timer (nginx keepalive_timeout, Node's server.keepAliveTimeout) that closes an idle connection the server no longer wants to keep. TCP keepalive never closes a healthy idle connection; it only finds dead ones.",
  );
  const figures: Figure[] = [];
  const tuned = result.scenarios.find((s) => s.scenario === 'tuned');
  const wire = tuned ? wireProbes(tuned) : undefined;
  if (tuned && wire) {
    const quiet = wire.lines.findIndex((l) => l.kind === 'keepalive');
    lines.push(
      '',
      `The tuned run on the wire (the client's end of the link, ${tuned.capture.packets.length} packets${wire.dropped ? `, ${wire.dropped} LOST by the capture` : ''}): after the last exchange, the probes and the client giving up:`,
      ...formatTrace(wire.lines.slice(Math.max(0, quiet - 1)), { names: 'roles', originMs: wire.lines[0]?.timeMs ?? 0 }).map(
        (l) => `  ${l}`,
      ),
    );
    figures.push(
      ladderFigure('The tuned run on the wire: keepalive probes to a dead peer', wire.lines, {
        highlight: (l) => l.kind === 'keepalive' || l.kind === 'rst',
      }),
    );
  }
  const onWire = trustedChecks(
    wire
      ? { captured: true, lines: wire.lines, packets: tuned!.capture.packets.length, dropped: wire.dropped, path: undefined }
      : undefined,
    wire && tuned ? [probeCheck(wire, tuned.keepAlive)] : [],
  );
  if (tuned) figures.push(probeTable(tuned));
  if (result.scenarios.length > 0) figures.push(probesFigure(result));
  if (wire)
    measurements.push({
      label: 'keepalive probes on the wire, tuned',
      value: wire.probeAtMs.length,
      unit: '',
      textbook: 'tcp_keepalive_probes: 3 set here (9 by default)',
    });
  const skipped = [result.skipped, onWire.skipped].filter((s): s is string => s !== undefined);
  return {
    checks: [readBackCheck(result), ...tunedChecks(result), ...onWire.checks],
    lines,
    figures,
    measurements,
    ...(skipped.length ? { skipped: skipped.join('; ') } : {}),
  };
}

/** The lesson's default run; `quick` leaves out the 11 s Node-default case. */
export function lessonOptions(quick: boolean): RunOptions {
  return {
    scenarios: quick ? ['tuned', 'namespace-sysctls', 'user-timeout'] : ['tuned', 'namespace-sysctls', 'node-default', 'user-timeout'],
  };
}

export const lesson = defineLesson({
  number: 15,
  slug: 'tcp-keepalive',
  title: 'TCP keepalive vs a dead peer',
  effect:
    'a peer that vanishes is noticed after idle + interval × count (4 s here, 2 h 11 min by default); TCP_USER_TIMEOUT covers unacknowledged data',
  needsRoot: 'part',
  flags: {
    scenarios: {
      type: 'string',
      help: 'comma-separated dead-peer cases: tuned, node-default, user-timeout (default all three; --quick leaves out node-default)',
    },
  },
  async run(ctx) {
    ctx.progress('reading keepalive settings back from the kernel');
    const scenarios = ctx.flags?.scenarios?.split(',').map((s) => s.trim());
    const known = lessonOptions(false).scenarios;
    const bad = scenarios?.find((s) => !(known as readonly string[]).includes(s));
    if (bad !== undefined) throw new UsageError(`--scenarios: "${bad}" is not one of ${known.join(', ')}`);
    const result = await run(scenarios ? { scenarios: scenarios as typeof known } : lessonOptions(ctx.quick), ctx.progress);
    const path = capturePath(ctx, { number: 15, slug: 'tcp-keepalive' });
    const first = result.scenarios[0]?.capture;
    // One file for the lesson: the scenarios ran one after another, so their packets are already in time order.
    if (path && first)
      await writePcapFile(path, {
        linkType: first.linkType,
        snapLength: first.snapLength,
        packets: result.scenarios.flatMap((s) => s.capture.packets),
      });
    return toLessonResult(result);
  },
});
