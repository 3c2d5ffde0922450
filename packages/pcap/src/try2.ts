import { pathToFileURL } from 'node:url';
import { annotate, formatTrace, tcpSegments } from './index.js';
import { runCaptured } from './captured-run.js';
const t = performance.now();
const r = await runCaptured<{ port: number }>(pathToFileURL('/tmp/capture-exp.ts'), 'run', { n: 3 }, { pcapPath: '/tmp/capture-ns.pcap' });
console.log(performance.now() - t, r.result, r.capture?.packets.length, r.capture?.dropped, r.uncaptured);
console.log(formatTrace(annotate(tcpSegments(r.capture!.linkType, r.capture!.packets)), { names: 'roles' }).join('\n'));
