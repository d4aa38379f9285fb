/**
 * @title TCP client that speaks first (TCP 客户端开发步骤)
 * @article 004 "2.1 客户端开发步骤"
 * @run node lessons/03-tcp-hello/client-004.ts [--port 8080]
 * @run npx tsx lessons/03-tcp-hello/client-004.ts [--port 8080]
 * @run deno run --allow-net lessons/03-tcp-hello/client-004.ts [--port 8080]
 * @run bun lessons/03-tcp-hello/client-004.ts [--port 8080]
 *
 * Article 004's client, for server-004.ts: sends `Hello Server`, prints the answer, closes.
 */
// 1. Import the module (导包): node:net is Python's socket module for TCP.
import net from 'node:net';
import { fail, parseCli } from '../../shared/helpers.ts';

const args = parseCli('client-004.ts [--host 127.0.0.1] [--port 8080]', 8080, {});

// 2. Create the socket and 3. connect to the server (connect(("localhost", 8080))).
const client = net.connect({ host: args.host, port: args.port });
client.on('error', (err) => fail(err, args.host, args.port));

// 4. Send the request (send("Hello Server".encode("utf8"))). end() sends it and closes our
//    sending side (FIN): the server then knows the request is complete without a pause.
client.end('Hello Server');

// 5. Receive the answer (recv(1024)), decoded as UTF-8 across reads.
// Pitfall: one recv(1024) may hold only part of the answer: it is 70 bytes of UTF-8 here, and a
//    read can end in the middle of a character. We read until the server closes.
let answer = '';
client.setEncoding('utf8');
client.on('data', (text) => {
  answer += text;
});

// 6. End the connection (close): the server closed first, so the answer is complete.
client.on('end', () => console.log(`recv: ${answer}`));
