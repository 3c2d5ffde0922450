export { BlindRelay } from './blind-relay.js';
export type { BlindRelayOptions, RelayConnectionStats, Upstream } from './blind-relay.js';
export { ProxyError } from './errors.js';
export type { ProxyErrorCode } from './errors.js';
export { HOP_BY_HOP_HEADERS, connectionTokens, stripHopByHop } from './hop-by-hop.js';
export type { HeaderPair, StrippedHeaders } from './hop-by-hop.js';
export { HttpProxy } from './http-proxy.js';
export type { HttpProxyOptions, ProxyExchange } from './http-proxy.js';
