// Lower-cased lookups over the flat raw header list the parser produces.

/**
 * Values of every field named `name` (any case), joined with ", " in the order
 * received (RFC 9110 §5.3), or undefined when absent.
 *
 * @example
 * ```ts
 * getHeader(['Host', 'a', 'Accept', 'x', 'accept', 'y'], 'accept'); // 'x, y'
 * ```
 */
export function getHeader(raw: readonly string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  let out: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === lower.length && (n === lower || n.toLowerCase() === lower)) {
      out = out === undefined ? raw[i + 1]! : `${out}, ${raw[i + 1]!}`;
    }
  }
  return out;
}

/**
 * All fields as a Map from lower-cased name to the joined value, in the order
 * each name first appeared. A Map, not an object, so a field named "123"
 * keeps its place.
 *
 * @example
 * ```ts
 * headerMap(['Host', 'a', 'X-N', '1', 'x-n', '2']); // Map { 'host' => 'a', 'x-n' => '1, 2' }
 * ```
 */
export function headerMap(raw: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const prev = map.get(name);
    map.set(name, prev === undefined ? raw[i + 1]! : `${prev}, ${raw[i + 1]!}`);
  }
  return map;
}

/**
 * The flat list as `[name, value]` pairs.
 *
 * @example
 * ```ts
 * headerPairs(['Host', 'a', 'Accept', '*']); // [['Host', 'a'], ['Accept', '*']]
 * ```
 */
export function headerPairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}
