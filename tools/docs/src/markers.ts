// The one marker syntax of captured output, on every page (lesson pages and
// docs/cli.md alike):
//
//   <!-- captured:begin -->                                       a lesson page: its main.ts --quick
//   <!-- captured:begin npx tsx apps/NN-slug/src/x.ts --flag -->  that command
//   <!-- captured:begin session NAME -->                          a scripted CLI session (cli-sessions.ts)
//   …output…
//   <!-- captured:end -->
//
// Parsed here for both the docs check and the capture.
export const capturedBegin = '<!-- captured:begin';
export const capturedEnd = '<!-- captured:end -->';

/** A captured block in a doc: the marker lines (0-based) and the command it holds. */
export interface CaptureBlock {
  begin: number;
  end: number;
  /** The command written in the begin marker, if any. */
  command?: string;
  /** The CLI session the begin marker names (`session NAME`), if any. */
  session?: string;
}

/** Refused input: a bad marker or command. Messages name the file and line. */
export class CaptureError extends Error {
  readonly code = 'DOCS_CAPTURE';
  constructor(message: string) {
    super(message);
    this.name = 'CaptureError';
  }
}

/**
 * Only these commands may be written in a marker: tsx on a file of a lesson
 * app, with plain flags. The doc is input; it must not be able to run anything else.
 */
export const allowedCommand = /^npx tsx apps\/\d{2}-[a-z0-9-]+\/src\/[a-z0-9-]+\.ts(?: [A-Za-z0-9=.,:/_-]+)*$/;

/**
 * Find the captured blocks of a doc.
 *
 * @example
 * findCaptureBlocks('<!-- captured:begin -->\nold\n<!-- captured:end -->', 'docs/x.md'); // [{ begin: 0, end: 2 }]
 */
export function findCaptureBlocks(source: string, file: string): CaptureBlock[] {
  const blocks: CaptureBlock[] = [];
  let open: CaptureBlock | undefined;
  let fence: string | undefined;
  source.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    // A marker shown inside a code block (a page explaining the syntax) is an example, not a marker.
    const fenceMark = /^(`{3,}|~{3,})/.exec(line)?.[1];
    if (fenceMark && (fence === undefined || fenceMark.startsWith(fence))) fence = fence === undefined ? fenceMark : undefined;
    if (fence !== undefined || fenceMark) return;
    if (line.startsWith(capturedBegin)) {
      if (open) throw new CaptureError(`${file}:${i + 1}: captured:begin inside another captured block`);
      const command = line.slice(capturedBegin.length).replace(/-->$/, '').trim();
      const session = /^session ([a-z0-9-]+)$/.exec(command)?.[1];
      if (command && !session && !allowedCommand.test(command)) {
        throw new CaptureError(
          `${file}:${i + 1}: the marker must name a command like "npx tsx apps/NN-slug/src/main.ts --flag" or a session like "session echo", got "${command}"`,
        );
      }
      open = { begin: i, end: -1, ...(session ? { session } : command ? { command } : {}) };
    } else if (line === capturedEnd) {
      if (!open) throw new CaptureError(`${file}:${i + 1}: captured:end without a captured:begin`);
      blocks.push({ ...open, end: i });
      open = undefined;
    }
  });
  if (open) throw new CaptureError(`${file}:${open.begin + 1}: captured:begin is never closed`);
  return blocks;
}
