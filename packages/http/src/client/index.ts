// @connlab/http/client: the pooled HTTP/1.1 client, without the server.
export { HttpClient } from './client.js';
export type { ClientOptions } from './client.js';
export { DEFAULT_POOL_OPTIONS, Pool } from './pool.js';
export type { ClientResponse, PoolEvents, PoolOptions } from './pool.js';
export { HttpClientError } from './client-errors.js';
export type { HttpClientErrorCode } from './client-errors.js';
export { IDEMPOTENT_METHODS, fieldTokens, isIdempotent, parseKeepAlive } from './client-keep-alive.js';
export type { KeepAliveHint } from './client-keep-alive.js';
export { parseOrigin, prepareRequest } from './client-request.js';
export type { HeadersInput, OriginInput, PreparedRequest, RequestOptions } from './client-request.js';
export type { CloseReason as ClientCloseReason } from './client-connection.js';
export type { RequestTiming, TimerFactory, TimingPhase, TransactionTimerLike } from './client-timing.js';
export { DEFAULT_LIMITS } from '../shared/limits.js';
export type { ParserLimits } from '../shared/limits.js';
export { HttpError, HttpParseError } from '../shared/errors.js';
export type { HttpParseErrorCode } from '../shared/errors.js';
export { getHeader, headerMap, headerPairs } from '../shared/headers.js';
