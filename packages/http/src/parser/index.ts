// @connlab/http/parser: the HTTP/1.1 message parser alone, with its limits and errors.
export { HttpParser } from './parser.js';
export type { BodyFraming, MessageHead, ParserHandlers, ParserOptions } from './parser.js';
export { parseMessages } from './parse-all.js';
export type { ParsedMessage, ParseResult } from './parse-all.js';
export { DEFAULT_LIMITS } from '../shared/limits.js';
export type { ParserLimits } from '../shared/limits.js';
export { HttpError, HttpParseError } from '../shared/errors.js';
export type { HttpParseErrorCode } from '../shared/errors.js';
export { getHeader, headerMap, headerPairs } from '../shared/headers.js';
