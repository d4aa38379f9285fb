/**
 * @title TCP server that answers hahahah (TCP 服务器: 示例1, 示例2)
 * @article 000 "示例1-为一个用户办理一次业务", "示例2-为同一用户服务多次并判断一个用户是否服务完毕"
 * @run node lessons/04-tcp-echo/server-000.ts [--port 8080] [--once] [--quiet]
 * @run npx tsx lessons/04-tcp-echo/server-000.ts [--port 8080] [--once] [--quiet]
 * @run deno run --allow-net lessons/04-tcp-echo/server-000.ts [--port 8080] [--once] [--quiet]
 * @run bun lessons/04-tcp-echo/server-000.ts [--port 8080] [--once] [--quiet]
 *
 * Article 000's two servers: every message a client sends is answered with `hahahah` until that
 * client closes (示例2); with `--once`, one message per client, then the server hangs up (示例1).
 */
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { fail, hostPort, onShutdown, parseCli } from '../../shared/helpers.ts';
import { readUntilPause } from './pause.ts';

const usage = 'server-000.ts [--host 127.0.0.1] [--port 8080] [--once] [--quiet]';
const args = parseCli(usage, 8080, {
  once: { type: 'boolean', default: false },
  // Log connections only, not every message: --quiet, for the benchmarks (npm run bench).
  quiet: { type: 'boolean', short: 'q', default: false },
});
const REPLY = 'hahahah';

// 1. Create the TCP socket (socket.socket(AF_INET, SOCK_STREAM)).
// Pitfall: the article spells them socket.af_inet and socket.sock_stream; Python's names are
//    case-sensitive, so its servers stop there with AttributeError.
//    allowHalfOpen: a client that closes its sending side after a message still gets the answer.
const server = net.createServer({ allowHalfOpen: true });
server.on('error', (err) => fail(err, args.host, args.port));

// 2. Bind the local address (bind(('', 8080))) and 3. turn the socket passive (listen(128)).
server.listen({ host: args.host, port: args.port, backlog: 128 }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`); // e.g. listening on 127.0.0.1:8080
});

// 4. Wait for a client (accept) and print its address (链接的客户端地址为).
//    Node calls this for every client, so the next one never waits for this one to finish.
server.on('connection', async (conn) => {
  const peer = hostPort(conn.remoteAddress, conn.remotePort);
  const decoder = new StringDecoder('utf8'); // a character cut between two reads stays whole
  console.log(`${peer} connected`);
  conn.on('error', (err) => console.log(`${peer} error: ${err.message}`));
  conn.on('close', () => console.log(`${peer} disconnected`));

  while (true) {
    // 5. Receive a request (recvfrom(1024)): every byte until the client pauses or closes its
    //    side, not one read. null is the article's empty read: the client has closed. (A reset
    //    is null too; the 'error' handler above has said so.)
    // Pitfall: recvfrom() on a TCP socket returns (data, None), a tuple, which is always true, so
    //    示例2's `if recv_data:` never sees the close. We test the bytes, as recv() would give them.
    const request = await readUntilPause(conn).catch(() => null);
    if (request === null) break;
    if (!args.quiet) console.log(`${peer} sent: ${decoder.write(request)}`);

    // 6. Answer (send("hahahah".encode("utf-8"))). Backpressure: when the client does not read,
    //    write() returns false; read nothing more until the answer has gone out.
    if (!conn.write(REPLY)) await drainedOrClosed(conn);

    // 示例1 (--once) serves one request per client; 示例2 loops to serve the same client again.
    if (args.once) break;
  }

  // 7. Close this client's socket (new_client_socket.close()): end() sends our FIN after the
  //    answer. resume() drops anything more a --once client sends, so its close still reaches us.
  //    The listening socket stays open for the next client.
  conn.end();
  conn.resume();
});

// 8. Close the listening socket (tcp_service_socket.close(), which the article never reaches).
onShutdown(() => server.close());

/** Resolve once the socket's send buffer has drained, or once it has closed and never will. */
function drainedOrClosed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done).off('close', done);
      resolve();
    };
    socket.on('drain', done).on('close', done);
  });
}
