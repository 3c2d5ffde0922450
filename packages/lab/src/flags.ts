// Flag parsing for lesson apps: typed values, one-line errors, exit code 2.
import { parseArgs } from 'node:util';
import { LabError } from './errors.js';

/** A bad command line. Apps print its message on one line and exit with code 2. */
export class UsageError extends LabError {
  readonly code = 'CONNLAB_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface BaseSpec {
  help: string;
  short?: string;
}
export interface IntSpec extends BaseSpec {
  type: 'int';
  default?: number;
  min?: number;
  max?: number;
}
export interface NumberSpec extends BaseSpec {
  type: 'number';
  default?: number;
  min?: number;
  max?: number;
}
export interface PortSpec extends BaseSpec {
  type: 'port';
  default?: number;
}
export interface StringSpec extends BaseSpec {
  type: 'string';
  default?: string;
  choices?: readonly string[];
}
export interface BooleanSpec extends BaseSpec {
  type: 'boolean';
}
export type FlagSpec = IntSpec | NumberSpec | PortSpec | StringSpec | BooleanSpec;

type ValueOf<F extends FlagSpec> = F extends BooleanSpec
  ? boolean
  : F extends StringSpec
    ? F extends { default: string }
      ? string
      : string | undefined
    : F extends { default: number }
      ? number
      : number | undefined;

export type FlagValues<S extends Record<string, FlagSpec>> = { [K in keyof S]: ValueOf<S[K]> };

export interface CommandInfo {
  /** How the command is run, e.g. "npx tsx apps/05-nagle/src/main.ts". */
  usage: string;
  summary: string;
  examples?: string[];
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function parseNumber(flag: string, raw: string, spec: IntSpec | NumberSpec | PortSpec): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${raw}"`);
  if (spec.type === 'port') {
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag} must be a port from 0 to 65535, got "${raw}"`);
    return n;
  }
  if (spec.type === 'int' && !Number.isInteger(n)) throw new UsageError(`--${flag} must be a whole number, got "${raw}"`);
  if (spec.min !== undefined && n < spec.min) throw new UsageError(`--${flag} must be at least ${spec.min}, got ${raw}`);
  if (spec.max !== undefined && n > spec.max) throw new UsageError(`--${flag} must be at most ${spec.max}, got ${raw}`);
  return n;
}

export function helpText(info: CommandInfo, spec: Record<string, FlagSpec>): string {
  const lines = [`usage: ${info.usage} [flags]`, '', info.summary, '', 'flags:'];
  for (const [name, f] of Object.entries(spec)) {
    const value = f.type === 'boolean' ? '' : ` <${f.type === 'string' && f.choices ? f.choices.join('|') : f.type}>`;
    const dflt = 'default' in f && f.default !== undefined ? ` (default ${String(f.default)})` : '';
    lines.push(`  --${kebab(name)}${value}`.padEnd(34) + `${f.help}${dflt}`);
  }
  lines.push('  --help'.padEnd(34) + 'show this help');
  if (info.examples?.length) lines.push('', 'examples:', ...info.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/**
 * Parse argv against a spec. Throws UsageError for unknown flags, stray
 * arguments and bad values; prints help and exits 0 for --help.
 */
export function parseFlags<S extends Record<string, FlagSpec>>(argv: readonly string[], spec: S, info: CommandInfo): FlagValues<S> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean' } };
  for (const [name, f] of Object.entries(spec)) {
    options[kebab(name)] = { type: f.type === 'boolean' ? 'boolean' : 'string', ...(f.short ? { short: f.short } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    // node's messages are multi-sentence; keep the first one.
    const message = error instanceof Error ? error.message.split('. ')[0]!.replace(/\.$/, '') : String(error);
    throw new UsageError(message);
  }
  if (parsed.values.help === true) {
    console.log(helpText(info, spec));
    process.exit(0);
  }
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec)) {
    const flag = kebab(name);
    const raw = parsed.values[flag];
    if (f.type === 'boolean') {
      out[name] = raw === true;
    } else if (typeof raw !== 'string') {
      out[name] = f.default;
    } else if (f.type === 'string') {
      if (f.choices && !f.choices.includes(raw)) throw new UsageError(`--${flag} must be one of ${f.choices.join(', ')}, got "${raw}"`);
      out[name] = raw;
    } else {
      out[name] = parseNumber(flag, raw, f);
    }
  }
  return out as FlagValues<S>;
}

/**
 * A lesson's options with the flags given on its command line laid over them
 * (a flag left out is undefined and keeps the lesson's value). Every flag
 * must name an option of `base`: a schema that drifts from the options fails here.
 *
 * @example
 * withFlags({ requests: 40, bodyBytes: 100 }, { requests: 5, bodyBytes: undefined }); // { requests: 5, bodyBytes: 100 }
 */
export function withFlags<T extends object>(base: T, flags: object | undefined): T {
  const given = Object.entries(flags ?? {}).filter(([, value]) => value !== undefined);
  for (const [name] of given) {
    if (!(name in base))
      throw new TypeError(`flag --${kebab(name)} names no option of this lesson (options: ${Object.keys(base).join(', ')})`);
  }
  return { ...base, ...Object.fromEntries(given) };
}

/** Errors that carry a stable code are expected failures: one line, no stack. */
function isCodedError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

/**
 * Run an app's main function: a UsageError prints one line and exits 2; an
 * expected (coded) error prints one line and exits 1; anything else shows its stack.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  main().then(
    () => undefined,
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`${name}: ${error.message} (try --help)`);
        process.exitCode = 2;
      } else if (isCodedError(error)) {
        console.error(`${name}: ${error.message} [${error.code}]`);
        process.exitCode = 1;
      } else {
        console.error(error);
        process.exitCode = 1;
      }
    },
  );
}
