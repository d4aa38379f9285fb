// The wire view by hand, between your own client and server:
//   npm run wire -- --listen 9000 --to 127.0.0.1:8000
// then point the client at port 9000. It listens for TCP and UDP on that port alike, so the
// same command serves the UDP lessons (01, 02) and the TCP ones. Each chunk that crosses is printed (direction, time since
// the connection began, length, the bytes as text or hex), and each connection event: connect,
// FIN each way, RST, close. The bytes themselves pass on unchanged. Ctrl+C stops it.
import { parseArgs } from 'node:util';
import { describe, tcpRelay, udpRelay } from './lib/wire.ts';

const usage = 'usage: npm run wire -- --listen PORT --to HOST:PORT';
let values: { listen?: string; to?: string };
try {
  ({ values } = parseArgs({ options: { listen: { type: 'string' }, to: { type: 'string' } } }));
} catch (err) {
  console.error(`error: ${(err as Error).message}\n${usage}`);
  process.exit(2);
}
const target = values.to?.match(/^\[?([^\]]+?)\]?:(\d+)$/);
const listen = Number(values.listen ?? '9000');
if (!target || !Number.isInteger(listen) || listen < 0 || listen > 65535) {
  console.error(`error: say where the server is with --to HOST:PORT\n${usage}`);
  process.exit(2);
}
const to = { host: target[1], port: Number(target[2]) };
const fail = (err: NodeJS.ErrnoException) => {
  console.error(`error: cannot listen on port ${listen}: ${err.code ?? err.message}`);
  process.exit(1);
};
const tcp = await tcpRelay({
  to,
  listen: { port: listen },
  onEvent: (event) => console.log(describe(event, 'tcp')),
}).catch(fail);
// UDP on the same port number (the one TCP was given, when --listen 0 asked for any).
const udp = await udpRelay({
  to,
  listen: { port: tcp.port },
  onEvent: (event) => console.log(`udp ${describe(event, 'udp')}`),
}).catch(fail);
console.log(`wire: 127.0.0.1:${tcp.port} (TCP and UDP) → ${values.to}; point the client there`);
const stop = () => Promise.all([tcp.close(), udp.close()]).then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
