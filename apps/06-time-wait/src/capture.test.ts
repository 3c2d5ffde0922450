// Lesson 06 on the wire: in the private namespace, whoever closes first sends the first FIN.
import { beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailableReason } from '@connlab/netns';
import { runNamespace } from './experiment.js';
import type { NamespacePart } from './experiment.js';
import { closeOnTheWire } from './lesson.js';

const noNetns = netnsUnavailableReason();

describe.skipIf(noNetns !== undefined)('lesson 06 on the wire', () => {
  let part: NamespacePart;
  beforeAll(async () => {
    part = await runNamespace(3);
  }, 60_000);

  it('captures every packet', () => {
    expect(part.capture?.dropped).toBe(0);
  });

  it("shows the client's FIN first when the client closes", () => {
    expect(closeOnTheWire(part, 0).map((l) => `${l.from} ${l.kind}`)).toEqual(['client fin', 'server fin', 'client ack']);
  });

  it("shows the server's FIN first when the server closes", () => {
    expect(closeOnTheWire(part, 3).map((l) => `${l.from} ${l.kind}`)).toEqual(['server fin', 'client fin', 'server ack']);
  });
});

if (noNetns !== undefined) describe('lesson 06 on the wire', () => it.skip(`skipped: ${noNetns}`, () => undefined));
