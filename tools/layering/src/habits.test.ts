// The naming and test-shape habits (habits.ts) hold over the repository, and
// each rule catches what it forbids in a small made-up tree.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { childEntryProblems, inlineWaitProblems, lessonTestProblems, readSourceTree } from './habits.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

const goodLesson = {
  'apps/99-demo/src/experiment.ts': 'export async function run() { return 1; }',
  'apps/99-demo/src/model.ts': 'export const model = 1;',
  'apps/99-demo/src/model.test.ts': "it('counts', () => {});",
  'apps/99-demo/src/cli.test.ts': "it('prints usage', async () => {});",
  'apps/99-demo/src/experiment.test.ts':
    "let r;\nbeforeAll(async () => { r = await run(); }, 60_000);\nit('measures', () => expect(r).toBe(1));\nit.skipIf(x)('on the wire', () => {});",
  'apps/99-demo/src/capture.test.ts': "beforeAll(async () => {});\nit('captures', () => {});",
};

describe('the repository', () => {
  // This package's own tests name bad files on purpose.
  const tree = Object.fromEntries(Object.entries(readSourceTree(root)).filter(([path]) => !path.startsWith('tools/layering/')));

  it('is read: every lesson app is in the tree', () => {
    expect(Object.keys(tree).filter((p) => /^apps\/\d\d-[^/]+\/src\/lesson\.ts$/.test(p)).length).toBeGreaterThanOrEqual(20);
  });

  it("names each lesson app's tests by the scheme, and runs each experiment once in beforeAll", () => {
    expect(lessonTestProblems(tree)).toEqual([]);
  });

  it('names every .ts file it starts as a child process *-child.ts', () => {
    expect(childEntryProblems(tree)).toEqual([]);
  });

  it("waits with lab's sleep, not an inline setTimeout promise", () => {
    expect(inlineWaitProblems(tree)).toEqual([]);
  });
});

describe('the lesson test rules', () => {
  it('let experiment, capture, cli and unit tests through', () => {
    expect(lessonTestProblems(goodLesson)).toEqual([]);
  });

  it('catch a test named by topic, one outside src/, and a missing experiment test', () => {
    const { 'apps/99-demo/src/experiment.test.ts': experiment, ...rest } = goodLesson;
    expect(
      lessonTestProblems({ ...rest, 'apps/99-demo/src/demo.test.ts': experiment, 'apps/99-demo/test/more.test.ts': experiment }),
    ).toEqual([
      'apps/99-demo/src/demo.test.ts: name it experiment.test.ts or capture.test.ts, or after the unit it tests (src/demo.ts does not exist)',
      "apps/99-demo/test/more.test.ts: a lesson's tests sit directly in src/",
      "apps/99-demo: no src/experiment.test.ts (the lesson's experiment test)",
    ]);
  });

  it('catch an experiment test without beforeAll, and one that runs the experiment inside an it', () => {
    expect(
      lessonTestProblems({
        ...goodLesson,
        'apps/99-demo/src/experiment.test.ts': "it('measures', async () => {\n  const r = await run();\n});",
        'apps/99-demo/src/capture.test.ts': "beforeAll(() => {});\nit.skipIf(!linux)(\n  'captures',\n  async () => {},\n);",
      }),
    ).toEqual([
      'apps/99-demo/src/capture.test.ts:2: an async it: run the experiment in beforeAll and let each it assert on the stored result',
      'apps/99-demo/src/experiment.test.ts: no beforeAll: run the experiment once there, with a generous timeout',
      'apps/99-demo/src/experiment.test.ts:1: an async it: run the experiment in beforeAll and let each it assert on the stored result',
    ]);
  });
});

describe('the child entry rule', () => {
  it('lets -child.ts entries, main.ts, index.ts and test files through', () => {
    expect(
      childEntryProblems({
        'apps/99-demo/src/experiment.ts': [
          "const a = ns.spawnNode(new URL('./peer-child.ts', import.meta.url));",
          "const b = fileURLToPath(new URL(ts ? './sender-child.ts' : './sender-child.js', import.meta.url));",
          "spawn(process.execPath, ['--import', 'tsx', join(dir, 'main.ts')]);",
          "import('../src/index.ts'); run('src/delay-line.test.ts');",
        ].join('\n'),
      }),
    ).toEqual([]);
  });

  it('catches an entry without the suffix, in spawn, fork or a lab helper, and ignores files that start nothing', () => {
    expect(
      childEntryProblems({
        'apps/99-demo/src/experiment.ts': "const peer = new URL('./peer.ts', import.meta.url);\nline.spawnNode('server', peer);",
        'packages/x/bench/run.ts': "fork(path.join(here, 'hello-server.ts'));",
        'packages/x/src/notes.ts': "export const usage = 'npx tsx apps/01-echo/src/server.ts';",
      }),
    ).toEqual([
      'apps/99-demo/src/experiment.ts:1: peer.ts is started as a child process: name it peer-child.ts',
      'packages/x/bench/run.ts:1: hello-server.ts is started as a child process: name it hello-server-child.ts',
    ]);
  });
});

describe('the inline wait rule', () => {
  it('catches an inline setTimeout promise in an app or a package, and lets sleep and a timer that does something else through', () => {
    expect(
      inlineWaitProblems({
        'apps/99-demo/src/experiment.ts': [
          'await sleep(10);',
          'await new Promise((r) => setTimeout(r, 10));',
          'const timer = setTimeout(() => socket.destroy(), 1000);',
          'await new Promise<void>((resolve) => setTimeout(resolve, left));',
        ].join('\n'),
        'packages/x/src/wait.ts': 'await new Promise((r) => setTimeout(r, 10));',
      }),
    ).toEqual([
      'apps/99-demo/src/experiment.ts:2: an inline setTimeout wait: use sleep (or until) from @connlab/lab',
      'apps/99-demo/src/experiment.ts:4: an inline setTimeout wait: use sleep (or until) from @connlab/lab',
      'packages/x/src/wait.ts:1: an inline setTimeout wait: use sleep (or until) from @connlab/lab',
    ]);
  });
});
