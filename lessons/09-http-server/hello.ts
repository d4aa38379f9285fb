/**
 * @title Hello, World over HTTP (web服务的应用)
 * @article 001 "四、web服务的应用"
 * @run node lessons/09-http-server/hello.ts [--port 8080]
 * @run npx tsx lessons/09-http-server/hello.ts [--port 8080]
 * @run deno run --allow-net lessons/09-http-server/hello.ts [--port 8080]
 * @run bun lessons/09-http-server/hello.ts [--port 8080]
 *
 * The smallest web server: every request gets `Hello, World`. Done right it is still small: it
 * reads the whole request head, and its response says how long it is.
 */
import net from 'node:net';
import { fail, hostPort, onShutdown, parseCli } from '../../shared/helpers.ts';

const args = parseCli('hello.ts [--host 127.0.0.1] [--port 8080]', 8080, {});
const MAX_HEAD = 8 * 1024;
const body = 'Hello, World';

// 1. Create the socket, bind and listen (socket, bind(('localhost', 8080)), listen(5)).
// Pitfall: a backlog of 5 leaves a burst of clients waiting seconds for retransmissions (see
//    lesson 08's README); a browser alone opens up to six connections at once. We use 128.
const server = net.createServer();
server.on('error', (err) => fail(err, args.host, args.port));
server.listen({ host: args.host, port: args.port, backlog: 128 }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`);
});

// 2. Accept a connection (accept) and handle its request (handle_request).
server.on('connection', (client) => {
  const peer = hostPort(client.remoteAddress, client.remotePort);
  console.log(`${peer} connected`);
  client.on('error', (err) => console.log(`${peer} error: ${err.message}`));
  client.on('close', () => console.log(`${peer} disconnected`));
  client.setTimeout(10_000, () => client.destroy()); // a client that never finishes its request

  // 3. Receive the request (recv(1024)). Pitfall: one recv() may hold part of the request; the
  //    head ends at the first blank line, however many reads it takes.
  let received = ''; // the request so far, one character a byte (latin1)
  client.setEncoding('latin1');
  client.on('data', (text: string) => {
    if (client.writableEnded) return; // answered: the rest is read and dropped
    received += text;
    if (received.search(/\r?\n\r?\n/) < 0) {
      if (received.length > MAX_HEAD) client.destroy(); // too long to be a request head
      return;
    }
    console.log(`${peer} ${received.slice(0, received.search(/\r?\n/))}`); // e.g. GET / HTTP/1.1

    // 4. The status line and the header fields, then a blank line.
    // Pitfall: the article sends no Content-Length: only closing the connection ends the body.
    const fields = [
      'Content-Type: text/plain; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
    ];
    const responseHead = `HTTP/1.1 200 OK\r\n${fields.join('\r\n')}\r\n\r\n`;

    // 5. Send the head and the body (client.send). Pitfall: the article sends str, which
    //    Python 3's send() refuses (TypeError: it wants bytes); Node sends a string as UTF-8.
    // 6. Close (connection.close()): end() sends FIN after the response. We keep reading until
    //    the client closes, because closing with unread bytes would send a reset instead, and
    //    the client could lose the response.
    client.end(responseHead + body);
  });
});

// 7. Stop (close): on Ctrl+C or SIGTERM.
onShutdown(() => server.close());
