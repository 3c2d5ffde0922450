// @connlab/http/server: the persistent HTTP/1.1 server, without the client.
export { createServer, HttpServer } from './server.js';
export type { CloseReport, ConnectionInfo, HttpServerEvents, ServerOptions, TimerName } from './server.js';
export type { CloseReason, ConnectionState, Handler } from './connection.js';
export { HttpRequest, readBody } from './request.js';
export { HttpResponse } from './response.js';
export type { HeaderInput, ResponseInit } from './response.js';
export { DeadlineList } from './deadline-list.js';
export type { DeadlineEntry } from './deadline-list.js';
export { echoDocument, echoHandler, jsonString } from './echo.js';
export { reasonPhrase } from './status.js';
export { DEFAULT_LIMITS } from '../shared/limits.js';
export type { ParserLimits } from '../shared/limits.js';
export { HttpBodyError, HttpError, HttpParseError, HttpResponseError, HttpServerError, PARSE_ERROR_STATUS } from '../shared/errors.js';
export type { HttpBodyErrorCode, HttpParseErrorCode } from '../shared/errors.js';
export { getHeader, headerMap, headerPairs } from '../shared/headers.js';
