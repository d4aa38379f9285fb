/**
 * @title TCP hello server (TCP 服务器端)
 * @article 003 "二、TCP 网络程序"
 * @run node lessons/03-tcp-hello/server.ts [--port 8080]
 * @run npx tsx lessons/03-tcp-hello/server.ts [--port 8080]
 * @run deno run --allow-net lessons/03-tcp-hello/server.ts [--port 8080]
 * @run bun lessons/03-tcp-hello/server.ts [--port 8080]
 *
 * Greets each client with `你好`, prints what the client says back, and closes that connection.
 * The listening socket keeps accepting new clients.
 */
import net from 'node:net';
import { fail, hostPort, onShutdown, parseCli } from '../../shared/helpers.ts';

const args = parseCli('server.ts [--host 127.0.0.1] [--port 8080]', 8080, {});
const MAX_TEXT = 64 * 1024; // the most we keep from one client: an answer, not a flood

// 1. Create the TCP socket (创建套接字): a net.Server is the listening socket.
const server = net.createServer();
server.on('error', (err) => fail(err, args.host, args.port));

// 2. Bind and 3. listen (绑定、监听): one call. The backlog (128) is how many finished
//    handshakes may wait for accept(). On Linux and macOS Node sets SO_REUSEADDR itself, so a
//    restart after Ctrl+C does not fail with "address already in use" while old connections sit
//    in TIME_WAIT; on Windows a plain bind already ignores them (there the option would let
//    another program take a port in use).
server.listen({ host: args.host, port: args.port, backlog: 128 }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`); // e.g. listening on 127.0.0.1:8080
});

// 4. Accept (等待客户端连接): each 'connection' hands us a new socket for that one client.
server.on('connection', (client) => {
  const peer = hostPort(client.remoteAddress, client.remotePort);
  console.log(`${peer} connected`);
  client.on('close', () => console.log(`${peer} disconnected`));

  // 5. Send (发送数据): strings go out as UTF-8 bytes.
  client.write('你好');

  // 6. Receive (接收数据) until the client closes its side.
  // Pitfall: the article prints one recv(1024). TCP is a byte stream: a message can arrive in
  //    several reads, so we read until end of stream ('end', where recv() returns b'').
  //    setEncoding() decodes across reads, so a character split between two reads stays whole.
  //    Reading until the end has one danger: a client that never stops. Cap what we keep.
  let received = '';
  client.setEncoding('utf8');
  client.on('data', (text) => {
    received += text;
    if (received.length <= MAX_TEXT) return;
    console.log(`${peer} sent more than ${MAX_TEXT} characters; closing`);
    client.destroy();
  });
  let shown = false;
  const show = () => {
    if (!shown) console.log(`${peer} sent: ${received}`);
    shown = true;
  };
  client.on('end', () => {
    show();
    // 7. Close this client's socket (关闭套接字); the server keeps listening.
    client.end();
  });
  // Pitfall: the article's 000 client closes without reading our greeting, and a close with
  //    unread bytes is a reset (RST), not a FIN. The text came before the reset: show it anyway.
  client.on('error', (err: NodeJS.ErrnoException) => {
    if (received !== '') show();
    if (err.code === 'ECONNRESET') {
      console.log(`${peer} reset the connection`);
    } else {
      console.log(`${peer} error: ${err.message}`);
    }
  });
});

// 8. Close the listening socket (关闭监听套接字): on Ctrl+C or SIGTERM.
onShutdown(() => server.close());
