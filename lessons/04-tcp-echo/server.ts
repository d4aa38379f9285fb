/**
 * @title TCP upper-case echo server (简单的 socket 服务器)
 * @article 001 "三、简单的socket"; 000 "示例1", "示例2"; 002 "2-2-3"
 * @run node lessons/04-tcp-echo/server.ts [--port 6969] [--quiet]
 * @run npx tsx lessons/04-tcp-echo/server.ts [--port 6969] [--quiet]
 * @run deno run --allow-net lessons/04-tcp-echo/server.ts [--port 6969] [--quiet]
 * @run bun lessons/04-tcp-echo/server.ts [--port 6969] [--quiet]
 *
 * Serves many clients at once. Each one gets back every byte it sends, upper-cased, until it
 * closes the connection.
 */
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { fail, hostPort, onShutdown, parseCli } from '../../shared/helpers.ts';

const args = parseCli('server.ts [--host 127.0.0.1] [--port 6969] [--quiet]', 6969, {
  // Log connections only, not every message: --quiet, for the benchmarks (npm run bench).
  quiet: { type: 'boolean', short: 'q', default: false },
});

// 1. Create the socket (socket.socket()), 2. bind and listen (bind, listen).
const server = net.createServer();
server.on('error', (err) => fail(err, args.host, args.port));
server.listen({ host: args.host, port: args.port }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`);
});

// 3. Accept (accept): Node calls this for every client, so one slow client never blocks the
//    others. The article's loop serves one client and never returns to accept().
server.on('connection', (conn) => {
  const peer = hostPort(conn.remoteAddress, conn.remotePort);
  const decoder = new StringDecoder('utf8'); // only for the log line
  console.log(`${peer} connected`);

  // 4. Receive (recv) and send back upper-cased (send(data.upper()); upper() is below).
  conn.on('data', (chunk) => {
    // Backpressure: write() returns false when the client is not reading fast enough.
    // Stop reading from it until its buffer drains, so memory stays bounded.
    if (!conn.write(upper(chunk))) conn.pause();
    // Answer first, then log: the client need not wait for our log line (see README: --quiet).
    if (!args.quiet) console.log(`${peer} sent: ${decoder.write(chunk)}`);
  });
  conn.on('drain', () => conn.resume());

  // 5. The client closed (recv() returned b''): Node emits 'end' and closes our side too.
  // Pitfall: the article's `while True: recv()` never checks for b'', so a closed client
  //    sends it into a busy loop of empty reads.
  conn.on('error', (err) => console.log(`${peer} error: ${err.message}`));
  conn.on('close', () => console.log(`${peer} disconnected`));
});

// 6. Close the listening socket (server.close()): on Ctrl+C or SIGTERM.
onShutdown(() => server.close());

/**
 * Like Python's bytes.upper(): only a-z change, byte for byte. The reply has the same length as
 * the request, and a UTF-8 character split across two reads cannot be damaged.
 */
function upper(bytes: Buffer): Uint8Array {
  return bytes.map((byte) => {
    const isLowercase = byte >= 0x61 && byte <= 0x7a; // 'a' to 'z'
    return isLowercase ? byte - 32 : byte; // 'a' - 32 is 'A'
  });
}
