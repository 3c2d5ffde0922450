import { describe, expect, it } from 'vitest';
import { UsageError, parseFlags } from './flags.js';

const info = { usage: 'test', summary: 'a test command' };
const spec = {
  port: { type: 'port', default: 0, help: 'port to listen on' },
  count: { type: 'int', default: 5, min: 1, help: 'how many' },
  mode: { type: 'string', choices: ['a', 'b'], help: 'which mode' },
  verbose: { type: 'boolean', help: 'say more' },
} as const;

describe('parseFlags', () => {
  it('returns defaults when no flags are given', () => {
    expect(parseFlags([], spec, info)).toEqual({ port: 0, count: 5, mode: undefined, verbose: false });
  });

  it('parses kebab-case flags into typed values', () => {
    expect(parseFlags(['--port', '8080', '--count=3', '--mode', 'b', '--verbose'], spec, info)).toEqual({
      port: 8080,
      count: 3,
      mode: 'b',
      verbose: true,
    });
  });

  it.each([
    [['--port', 'abc'], /--port must be a number/],
    [['--port', '70000'], /port from 0 to 65535/],
    [['--count', '0'], /at least 1/],
    [['--count', '1.5'], /whole number/],
    [['--mode', 'c'], /one of a, b/],
    [['--nope'], /Unknown option '--nope'/],
    [['stray'], /Unexpected argument/],
  ])('rejects %j with a one-line UsageError', (argv, message) => {
    let caught: unknown;
    try {
      parseFlags(argv, spec, info);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('\n');
  });
});
