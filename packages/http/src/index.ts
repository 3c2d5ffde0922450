export { HttpParser } from './parser.js';
export type { BodyFraming, MessageHead, ParserHandlers, ParserOptions } from './parser.js';
export { parseMessages } from './parse-all.js';
export type { ParsedMessage, ParseResult } from './parse-all.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { ParserLimits } from './limits.js';
export { HttpParseError, HttpResponseError, HttpServerError, PARSE_ERROR_STATUS } from './errors.js';
export type { HttpParseErrorCode } from './errors.js';
export { getHeader, headerMap, headerPairs } from './headers.js';
