export { decodeEndpoint, decodeIpv4, decodeIpv6, formatIpv6 } from './address.js';
export { countByPort, countByState, countTimeWait, timeWaitHolder } from './counts.js';
export type { TimeWaitCount } from './counts.js';
export { InspectError, SocketTableError } from './errors.js';
export { formatSs, listTcpSockets, parseProcNetTcp } from './proc-net-tcp.js';
export type { ListOptions, TcpSocketEntry, TcpTimer } from './proc-net-tcp.js';
export { TCP_STATES, tcpStateName } from './states.js';
export type { TcpStateName } from './states.js';
