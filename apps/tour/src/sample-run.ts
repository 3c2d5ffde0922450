// A synthetic tour run for the report tests: every figure kind, every status,
// and text that would break the page if anything were left unescaped.
// The numbers are plausible, not measured; nothing here is shown to a learner.
import { check } from '@connlab/lab';
import type { TourRun } from './run.js';

/** Text that must come out of the report as text, never as markup. */
export const hostile = `<script>document.title="pwned"</script><img src=x onerror=alert(1)> & "quotes" 'too'`;

/**
 * A tour run covering bars, line, waterfall, histogram, table and ladder figures and
 * every status: reproduced, partly-skipped, emulated, not-reproduced, skipped
 * and failed (one lesson throwing, one that could not be loaded).
 *
 * @example
 * renderReport(sampleRun()); // a page with 9 lessons and 7 figures
 */
export function sampleRun(): TourRun {
  const cwnd = Array.from({ length: 24 }, (_, i) => [i * 10, Math.min(10 * 2 ** Math.floor(i / 4), 320)] as [number, number]);
  return {
    startedAt: '2025-01-01T12:00:00.000Z',
    durationMs: 42_000,
    quick: true,
    machine: { node: 'v20.20.2', platform: 'linux', arch: 'x64', kernel: '6.1.0', cpus: 2, root: true },
    lessons: [
      {
        number: 2,
        id: '02-latency-breakdown',
        title: 'Where an HTTP transaction spends its time',
        effect: 'on a WAN, connect and first byte each cost one RTT',
        needsRoot: 'part',
        status: 'emulated',
        durationMs: 4100,
        result: {
          checks: [check('WAN (relay) request → first byte ≈ 100 ms ± 25 %', true, '104 ms', { emulated: true })],
          emulated: 'the WAN is the fault relay on loopback (application level, not transparent to TCP)',
          skipped: 'the delay line needs root; run as root to measure it',
          lines: [],
          figures: [],
          measurements: [{ label: 'WAN (relay): whole transaction', value: 104, unit: 'ms', textbook: '≈ 2 RTT + processing = 100 ms' }],
        },
      },
      {
        number: 3,
        id: '03-handshake-cost',
        title: 'What the TCP handshake costs',
        effect: 'the handshake is half a small transaction',
        needsRoot: 'part',
        status: 'partly-skipped',
        durationMs: 3000,
        result: {
          checks: [check('loopback handshake < 1 ms', true, '0.08 ms')],
          skipped: 'skipped: the WAN part needs root (network namespaces); run as root to measure it',
          lines: [],
          figures: [],
          measurements: [{ label: 'loopback: new − reused (the handshake)', value: 0.08, unit: 'ms', textbook: 'nearly nothing' }],
        },
      },
      {
        number: 4,
        id: '04-slow-start',
        title: 'TCP slow start',
        effect: 'cwnd starts small and doubles each RTT',
        needsRoot: 'part',
        status: 'reproduced',
        durationMs: 6200,
        result: {
          checks: [check('cold: initial window ≤ 12 segments', true, '10 segments')],
          emulated: 'a 20 ms each-way delay line between two network namespaces',
          lines: ['cold transfer 2 MiB: 260 ms', 'warm transfer 2 MiB: 45 ms'],
          figures: [
            {
              kind: 'line',
              title: 'Congestion window during a 2 MiB transfer',
              xLabel: 'time (ms)',
              yLabel: 'cwnd (segments)',
              series: [
                { name: 'cold connection', points: cwnd },
                { name: 'after idle', points: cwnd.map(([x, y]) => [x, Math.max(10, y / 2)]) },
              ],
            },
          ],
          measurements: [
            { label: 'initial cwnd', value: 10, unit: 'segments', textbook: '1 segment (book), 10 since RFC 6928' },
            { label: 'cold vs warm transfer', value: 5.8, unit: '×', textbook: 'a tuned connection is faster' },
          ],
        },
      },
      {
        number: 5,
        id: '05-nagle',
        title: 'Nagle and delayed ACK',
        effect: 'write-write-read stalls for the delayed-ACK timer',
        needsRoot: 'no',
        status: 'reproduced',
        durationMs: 3100,
        result: {
          checks: [check('Nagle on: median request > 30 ms', true, '44.1 ms')],
          lines: ['first request fast: the receiver is in quick-ACK mode', hostile],
          figures: [
            {
              kind: 'bars',
              title: 'Median time per request',
              unit: 'ms',
              bars: [
                { label: 'Nagle on', value: 44.1, note: 'stall' },
                { label: 'TCP_NODELAY', value: 0.09 },
                { label: 'one write', value: 0.07 },
              ],
            },
            {
              kind: 'histogram',
              title: 'Request latency',
              unit: 'ms',
              series: [
                {
                  name: 'Nagle on',
                  buckets: [
                    { upTo: 1, count: 1 },
                    { upTo: 40, count: 0 },
                    { upTo: 50, count: 19 },
                  ],
                },
                { name: 'TCP_NODELAY', buckets: [{ upTo: 1, count: 20 }] },
              ],
            },
            {
              kind: 'ladder',
              title: 'One stalled request on the wire, Nagle on',
              sides: ['client', 'server'],
              arrows: [
                { from: 0, atMs: 0, label: 'P. 163:225', note: 'request data' },
                { from: 1, atMs: 42.8, label: '. ack 225', note: 'ACK held 42.8 ms: delayed ACK', highlight: true },
                { from: 0, atMs: 42.84, label: 'P. 225:325', note: 'sent as the ACK came: Nagle held it 42.8 ms', highlight: true },
                { from: 1, atMs: 42.85, label: '. ack 325', note: 'ACK of new data' },
                { from: 1, atMs: 43.16, label: 'P. 41:81', note: 'response data <script>alert(1)</script>' },
              ],
            },
          ],
          measurements: [{ label: 'stall per request, Nagle on', value: 44.1, unit: 'ms', textbook: '100–200 ms (book), ~40 ms on Linux' }],
        },
      },
      {
        number: 6,
        id: '06-time-wait',
        title: 'TIME_WAIT and port exhaustion',
        effect: 'the active closer holds TIME_WAIT',
        needsRoot: 'part',
        status: 'not-reproduced',
        durationMs: 2500,
        result: {
          checks: [
            check('client closes first: TIME_WAIT on the client', false, 'client 0, server 0 after 1000'),
            check('RST close: no TIME_WAIT', true, 'client 0, server 0 after 1000'),
          ],
          lines: ['TIME_WAIT held by the client: 0 (expected 1000)'],
          figures: [
            {
              kind: 'bars',
              title: 'TIME_WAIT sockets after 1000 cycles',
              unit: '',
              bars: [
                { label: 'client closes first', value: 0 },
                { label: 'server closes first', value: 997 },
              ],
            },
          ],
          measurements: [{ label: 'new connections/s to one server', value: 470, unit: '/s', textbook: '60 000 / 120 s = 500/s' }],
        },
      },
      {
        number: 7,
        id: '07-page-load',
        title: 'Four ways to load a page',
        effect: 'persistent and pipelined loads save round trips',
        needsRoot: 'part',
        status: 'skipped',
        durationMs: 10,
        result: {
          checks: [],
          skipped: 'skipped: the delay line needs root (network namespaces); run as root to measure it',
          lines: [],
          figures: [
            {
              kind: 'waterfall',
              title: 'Serial loads, new connection each (model)',
              unit: 'ms',
              rows: [
                {
                  label: 'page',
                  spans: [
                    { start: 0, end: 40, phase: 'connect' },
                    { start: 40, end: 81, phase: 'request' },
                  ],
                },
                {
                  label: 'image 1',
                  spans: [
                    { start: 81, end: 121, phase: 'connect' },
                    { start: 121, end: 162, phase: 'request' },
                  ],
                },
                {
                  label: `image ${hostile}`,
                  spans: [
                    { start: 162, end: 202, phase: 'connect' },
                    { start: 202, end: 243, phase: 'request' },
                  ],
                },
              ],
            },
          ],
          measurements: [],
        },
      },
      {
        number: 14,
        id: '14-connection-table',
        title: 'The server connection table',
        effect: 'a periodic sweep closes idle connections',
        needsRoot: 'no',
        status: 'failed',
        durationMs: 120,
        error: 'connect ECONNREFUSED 127.0.0.1:40123 [ECONNREFUSED]',
        result: undefined,
      },
      {
        number: 15,
        id: '15-tcp-keepalive',
        title: 'TCP keepalive vs a dead peer',
        status: 'failed',
        durationMs: 30,
        error:
          "cannot load @connlab/lesson-15-tcp-keepalive: Cannot find module '/repo/apps/15-tcp-keepalive/src/lesson.ts' [TOUR_LESSON_LOAD]",
      },
      {
        number: 16,
        id: '16-keep-alive-vs-close',
        title: 'Keep-alive vs close',
        effect: 'keep-alive serves more requests and leaves no TIME_WAIT',
        needsRoot: 'no',
        status: 'reproduced',
        durationMs: 8000,
        result: {
          checks: [check('keep-alive serves more requests per second', true, '4.23×')],
          lines: [],
          figures: [
            {
              kind: 'table',
              title: 'Both ways, same run',
              columns: ['mode', 'requests/s', 'TIME_WAIT', 'idle memory'],
              rows: [
                ['keep-alive', 38_500, 0, '2.1 MiB'],
                ['close', 9_100, 4_812, '—'],
              ],
            },
          ],
          measurements: [{ label: 'requests/s, keep-alive vs close', value: 4.2, unit: '×' }],
        },
      },
    ],
  };
}
