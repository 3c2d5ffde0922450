// Lesson 06 on the wire: in the private namespace, whoever closes first sends the first FIN.
import { describe, expect, it } from 'vitest';
import { netnsUnavailableReason } from '@connlab/netns';
import { runNamespace } from './experiment.js';
import { closeOnTheWire } from './lesson.js';

const noNetns = netnsUnavailableReason();

describe.skipIf(noNetns !== undefined)('lesson 06 on the wire', () => {
  it("shows the client's FIN first when the client closes, the server's when the server does", async () => {
    const part = await runNamespace(3);
    expect(part.capture?.dropped).toBe(0);
    const clientFirst = closeOnTheWire(part, 0);
    const serverFirst = closeOnTheWire(part, 3);
    expect(clientFirst.map((l) => `${l.from} ${l.kind}`)).toEqual(['client fin', 'server fin', 'client ack']);
    expect(serverFirst.map((l) => `${l.from} ${l.kind}`)).toEqual(['server fin', 'client fin', 'server ack']);
  });
});

if (noNetns !== undefined) describe('lesson 06 on the wire', () => it.skip(`skipped: ${noNetns}`, () => undefined));
