/**
 * @title TCP server, the client speaks first (TCP 服务端开发步骤)
 * @article 004 "2.2 服务端开发步骤"
 * @run node lessons/03-tcp-hello/server-004.ts [--port 8080]
 * @run npx tsx lessons/03-tcp-hello/server-004.ts [--port 8080]
 * @run deno run --allow-net lessons/03-tcp-hello/server-004.ts [--port 8080]
 * @run bun lessons/03-tcp-hello/server-004.ts [--port 8080]
 *
 * Article 004's order, the reverse of server.ts: each client sends a request, the server prints
 * it, answers `已收到您((ip, port))的请求,本次连接将关闭` and closes the connection.
 */
// 1. Import the module (导包): node:net is Python's socket module for TCP.
import net from 'node:net';
import { fail, hostPort, onShutdown, parseCli } from '../../shared/helpers.ts';
import { readUntilPause } from './pause.ts';

const args = parseCli('server-004.ts [--host 127.0.0.1] [--port 8080]', 8080, {});

// 2. Create the socket (建立连接: socket.socket(AF_INET, SOCK_STREAM)). allowHalfOpen: a
//    client that closes its sending side after the request can still read our answer.
const server = net.createServer({ allowHalfOpen: true });
server.on('error', (err) => fail(err, args.host, args.port));

// 3. Bind (bind) and 3.1 reuse the port (SO_REUSEADDR): Node sets it on every listening socket
//    on Linux and macOS, so a restart right after Ctrl+C does not fail while old connections sit
//    in TIME_WAIT. Windows needs none: its plain bind ignores TIME_WAIT.
// 4. Listen, with a backlog of 128 (listen(128)).
server.listen({ host: args.host, port: args.port, backlog: 128 }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`);
});

// 5. Wait for a client (accept): each 'connection' is a new socket for that one client.
server.on('connection', async (client) => {
  const peer = hostPort(client.remoteAddress, client.remotePort);
  console.log(`${peer} connected`);
  client.on('error', (err) => console.log(`${peer} error: ${err.message}`));
  client.on('close', () => console.log(`${peer} disconnected`));

  // 6. Receive the request (recv(1024)).
  // Pitfall: the article takes one recv(1024) as the whole request. TCP keeps no message edges,
  //    so we read until the client closes its side or pauses (readUntilPause, as in lesson 05).
  //    The article prints len(recv_data) to tell "something came" from b'' (the client left).
  const request = await readUntilPause(client).catch(() => null); // a reset: 'error' logs it
  if (!request) {
    console.log(`${peer} sent nothing`);
    client.destroy();
    return;
  }
  console.log(`${peer} sent ${request.length} bytes: ${request.toString('utf8')}`);

  // 7. Answer (send), with the client's address written as Python prints the tuple, as the
  //    article's f-string does. 8. Close this connection (close): end() sends a FIN after it.
  client.end(`已收到您(('${client.remoteAddress}', ${client.remotePort}))的请求,本次连接将关闭`);
});

// 9. Close the server (server.close()), which the article leaves commented out: on Ctrl+C.
onShutdown(() => server.close());
