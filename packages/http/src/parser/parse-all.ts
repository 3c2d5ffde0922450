// Parse a whole byte sequence into messages: for tests, tools and lessons.
import { HttpParseError } from '../shared/errors.js';
import { HttpParser } from './parser.js';
import type { MessageHead, ParserOptions } from './parser.js';

/** One complete message: its head, de-chunked body and trailers. */
export interface ParsedMessage {
  head: MessageHead;
  body: Buffer;
  trailers: string[];
}

/** Everything {@link parseMessages} found, and the error that stopped it, if any. */
export interface ParseResult {
  messages: ParsedMessage[];
  error: HttpParseError | null;
  /** A message whose head arrived but whose body did not complete. */
  partial: MessageHead | null;
}

/**
 * Feed `chunks` to a fresh parser (then signal end of input when `end` is
 * true) and collect the messages. Response mode: `methods` are the methods of
 * the requests, in order.
 *
 * @example
 * ```ts
 * const { messages } = parseMessages({ type: 'request' }, [Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n')]);
 * messages[0]?.head.target; // '/'
 * ```
 */
export function parseMessages(
  options: ParserOptions,
  chunks: readonly Buffer[],
  { end = false, methods = [] }: { end?: boolean; methods?: readonly string[] } = {},
): ParseResult {
  const messages: ParsedMessage[] = [];
  let head: MessageHead | null = null;
  let body: Buffer[] = [];
  const parser = new HttpParser(options, {
    onHead: (h) => {
      head = h;
      body = [];
    },
    onBody: (c) => {
      body.push(Buffer.from(c));
    },
    onComplete: (trailers) => {
      messages.push({ head: head!, body: Buffer.concat(body), trailers });
      head = null;
    },
  });
  for (const m of methods) parser.expectResponseTo(m);
  try {
    for (const c of chunks) parser.execute(c);
    if (end) parser.finish();
  } catch (error) {
    if (error instanceof HttpParseError) return { messages, error, partial: head };
    throw error;
  }
  return { messages, error: null, partial: head };
}
