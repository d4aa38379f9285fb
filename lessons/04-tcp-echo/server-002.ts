/**
 * @title TCP echo server that says goodbye (服务器通信示例)
 * @article 002 "2-2-3-1-服务器通信示例"
 * @run node lessons/04-tcp-echo/server-002.ts [--port 8888] [--quiet]
 * @run npx tsx lessons/04-tcp-echo/server-002.ts [--port 8888] [--quiet]
 * @run deno run --allow-net lessons/04-tcp-echo/server-002.ts [--port 8888] [--quiet]
 * @run bun lessons/04-tcp-echo/server-002.ts [--port 8888] [--quiet]
 *
 * Article 002's server: sends back every byte a client sends, unchanged; when the client has
 * closed its sending side, it sends `Hello, client!` and closes the connection.
 */
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { fail, hostPort, onShutdown, parseCli } from '../../shared/helpers.ts';

const args = parseCli('server-002.ts [--host 127.0.0.1] [--port 8888] [--quiet]', 8888, {
  // Log connections only, not every message: --quiet, for the benchmarks (npm run bench).
  quiet: { type: 'boolean', short: 'q', default: false },
});
const FAREWELL = 'Hello, client!';

// 1. Create a TCP/IP socket (socket.socket(AF_INET, SOCK_STREAM)). allowHalfOpen: when the
//    client stops sending, our side stays open, so the farewell can still go out.
const server = net.createServer({ allowHalfOpen: true });
server.on('error', (err) => fail(err, args.host, args.port));

// 2. Bind the address (bind(('localhost', 8888))) and 3. listen (listen(1)).
// Pitfall: listen(1) and one accept() serve one client, then the program ends. Node accepts
//    every client, so a second learner's client is served too.
server.listen({ host: args.host, port: args.port }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`); // e.g. listening on 127.0.0.1:8888
});

// 4. Accept a client (accept()) and print where it comes from (Connection from …).
server.on('connection', (conn) => {
  const peer = hostPort(conn.remoteAddress, conn.remotePort);
  const decoder = new StringDecoder('utf8');
  console.log(`${peer} connected`);
  conn.on('error', (err) => console.log(`${peer} error: ${err.message}`));
  conn.on('close', () => console.log(`${peer} disconnected`));

  // 5. Receive (recv(1024)), print it and send it back (sendall(data)).
  // Pitfall: the article decodes each read on its own (data.decode()); a Chinese character cut
  //    between two reads raises UnicodeDecodeError. The decoder keeps the cut bytes for the next
  //    read. The echo itself is bytes, so a cut does not matter there.
  conn.on('data', (chunk) => {
    if (!args.quiet) console.log(`${peer} sent: ${decoder.write(chunk)}`);
    // Backpressure: write() returns false when the client is not reading; stop reading from it
    //    until its buffer drains, so memory stays bounded.
    if (!conn.write(chunk)) conn.pause();
  });
  conn.on('drain', () => conn.resume());

  // 6. The client has closed its side (recv() returned b'', `if not data: break`).
  // 7. Send the response (sendall('Hello, client!'.encode())) and 8. close the connection.
  // Pitfall: the article's clients close() their whole socket, so this text reaches no one (the
  //    client's kernel answers it with a reset). client-002.ts closes only its sending side
  //    (end()) and reads on, so it gets it.
  conn.on('end', () => {
    console.log(`${peer} finished sending; answering ${FAREWELL}`);
    conn.end(FAREWELL);
  });
});

// 9. Close the listening socket, on Ctrl+C or SIGTERM (the article's program just ends).
onShutdown(() => server.close());
