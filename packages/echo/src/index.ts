export { createEchoServer } from './server.js';
export type {
  EchoCloseOptions,
  EchoCloseResult,
  EchoConnectionInfo,
  EchoConnectionSummary,
  EchoServer,
  EchoServerAddress,
  EchoServerOptions,
  EchoServerStats,
} from './server.js';
export { EchoSession, echo, openEchoSession } from './client.js';
export type { EchoClientOptions, EchoPayload, EchoReadOptions, EchoReply } from './client.js';
export { createUdpEchoServer, maxUdpPayload, udpEcho } from './udp.js';
export type { UdpEchoOptions, UdpEchoReply, UdpEchoServer, UdpEchoServerOptions, UdpEchoServerStats } from './udp.js';
export {
  EchoClosedError,
  EchoConnectError,
  EchoErrnoError,
  EchoError,
  EchoListenError,
  EchoOptionError,
  EchoTimeoutError,
  describeEndpoint,
} from './errors.js';
export type { EchoEndpoint } from './errors.js';
