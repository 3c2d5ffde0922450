// Bad command lines: one line on stderr, nothing on stdout, exit code 2.
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram, describeFailure } from '../src/program.js';
import { cli, spawnCli } from './helpers.js';

const badLines: [string, string[], RegExp][] = [
  ['an unknown option', ['echo', 'serve', '--prot', '1'], /unknown option '--prot'.*Did you mean --port/],
  ['a port that is not a number', ['echo', 'send', 'hi', '--port', 'http'], /--port.*'http' is invalid/],
  ['a port out of range', ['http', 'serve', '--port', '70000'], /port must be from 0 to 65535, got 70000/],
  ['port 0 for a client', ['echo', 'send', 'hi', '--port', '0'], /port must be from 1 to 65535/],
  ['a HOST:PORT without a port', ['tcp-info', 'localhost'], /expected HOST:PORT/],
  ['a HOST:PORT with a bad port', ['tcp-info', '127.0.0.1:http'], /port number/],
  ['a URL that is not http', ['http', 'get', 'https://127.0.0.1/'], /only http:\/\/ URLs/],
  ['a header without a colon', ['http', 'get', 'http://127.0.0.1:1/', '-H', 'NoColon'], /"Name: value"/],
  ['a zero repeat count', ['http', 'get', 'http://127.0.0.1:1/', '--repeat', '0'], /from 1 to/],
  ['a bad rate', ['relay', '--to', '127.0.0.1:8080', '--bandwidth', 'fast'], /expected a rate like 1mbit/],
  ["a rate in tc's ambiguous kbps", ['relay', '--to', '127.0.0.1:8080', '--bandwidth', '100kbps'], /expected a rate/],
  ['a relay without --to', ['relay', '--latency', '10'], /required option '--to <host:port>'/],
  ['a relay --to without a port', ['relay', '--to', '127.0.0.1'], /expected HOST:PORT/],
  ['--jitter without --latency', ['relay', '--to', '127.0.0.1:8080', '--jitter', '5'], /--jitter needs --latency/],
  ['a bad byte count', ['relay', '--to', '127.0.0.1:8080', '--reset-after', 'soon'], /expected a byte count/],
  [
    'an unknown direction',
    ['relay', '--to', '127.0.0.1:8080', '--direction', 'sideways'],
    /Allowed choices are both, upstream, downstream/,
  ],
  ['an unknown TCP state', ['sockets', '--state', 'sleepy'], /expected a TCP state/],
  ['a missing command', [], /missing command; choose one of: echo, http/],
  ['a missing subcommand', ['http'], /connlab http: missing command; choose one of: serve, get/],
  ['an unknown command', ['ping'], /unknown command "ping"/],
  ['a missing argument', ['echo', 'send'], /missing required argument 'message'/],
  ['an extra argument', ['sockets', 'extra'], /too many arguments/],
];

describe('bad arguments', () => {
  it.each(badLines)('%s gives one stderr line and exit code 2', async (_what, argv, message) => {
    const { code, stdout, stderr } = await cli(...argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.endsWith('\n')).toBe(true);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^connlab/);
    expect(stderr).toMatch(message);
  });

  it('exits 2 with one line from the real bin, without a stack trace', async () => {
    const { code, stdout, stderr } = await spawnCli('http', 'serve', '--port', '70000');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual([
      "connlab: option '--port <port>' argument '70000' is invalid. port must be from 0 to 65535, got 70000 (see --help)",
    ]);
  });
});

function allCommands(command: Command, path: string[] = []): string[][] {
  return command.commands.flatMap((c) => [[...path, c.name()], ...allCommands(c, [...path, c.name()])]);
}

describe('--help', () => {
  const noop = { stdout: () => undefined, stderr: () => undefined, signal: new AbortController().signal };
  const paths = [[], ...allCommands(createProgram(noop))];

  it('covers every command', () => {
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining(['echo serve', 'echo send', 'http serve', 'http get', 'relay', 'sockets', 'tcp-info']),
    );
  });

  it.each(paths.map((p) => [p.join(' ') || '(top level)', p]))(
    '%s prints usage and examples on stdout and exits 0',
    async (_name, path) => {
      const { code, stdout, stderr } = await cli(...path, '--help');
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toContain(`Usage: connlab${path.length ? ` ${path.join(' ')}` : ''}`);
      expect(stdout).toMatch(/Examples:\n {2}\$ connlab /);
    },
  );
});

describe('runtime failure lines', () => {
  it('show an expected (coded) error as its message alone, on one line', () => {
    const error = Object.assign(new Error('cannot connect to 127.0.0.1:9:\nECONNREFUSED'), { code: 'ECHO_CONNECT' });
    expect(describeFailure(error)).toBe('cannot connect to 127.0.0.1:9: ECONNREFUSED');
  });

  it('mark an unexpected error as a bug and say how to see its stack', () => {
    const before = process.env.CONNLAB_DEBUG;
    delete process.env.CONNLAB_DEBUG;
    try {
      expect(describeFailure(new TypeError('x is not a function'))).toBe(
        'x is not a function (unexpected TypeError; set CONNLAB_DEBUG=1 for the stack)',
      );
    } finally {
      if (before !== undefined) process.env.CONNLAB_DEBUG = before;
    }
  });
});
