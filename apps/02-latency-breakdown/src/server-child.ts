// The server process: the web server and a DNS server that knows its name.
// Across the delay line both run in the server namespace, so a lookup costs a
// round trip too; on loopback it runs beside the measuring process, never in it.
import { serveDns } from '@connlab/netlab';
import { sendToParent } from '@connlab/netns';
import { startWebServer } from './web-server.js';

/** The name the DNS server answers for. */
export const SERVER_NAME = 'server.connlab.test';

const [address = '0.0.0.0', processing = '2'] = process.argv.slice(2);
const { port } = await startWebServer(address, Number(processing));
const dns = await serveDns({ [SERVER_NAME]: address }, address);
sendToParent({ type: 'listening', port, dnsPort: dns.port });
// Started with fork() on loopback: go when the parent goes.
process.on('disconnect', () => process.exit(0));
