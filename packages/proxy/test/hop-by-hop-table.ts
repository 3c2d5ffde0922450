// The table every proxy test checks against: [field as sent, must it be stripped?]
export const hopByHopTable: readonly [name: string, value: string, stripped: boolean][] = [
  ['Connection', 'keep-alive, X-Hop', true],
  ['Keep-Alive', 'timeout=5, max=100', true],
  ['Proxy-Connection', 'keep-alive', true],
  ['TE', 'trailers', true],
  ['Trailer', 'X-Checksum', true],
  ['Transfer-Encoding', 'chunked', true],
  ['Upgrade', 'websocket', true],
  ['Proxy-Authenticate', 'Basic realm="p"', true],
  ['Proxy-Authorization', 'Basic dTpw', true],
  ['X-Hop', 'named in Connection', true],
  ['Host', 'origin', false],
  ['Accept', '*/*', false],
  ['Authorization', 'Bearer t', false],
  ['X-End-To-End', 'kept', false],
  ['Content-Type', 'text/plain', false],
];
