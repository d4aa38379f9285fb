/**
 * @title TCP hello client (TCP 客户端)
 * @article 003 "二、TCP 网络程序"
 * @run node lessons/03-tcp-hello/client.ts [--port 8080]
 * @run npx tsx lessons/03-tcp-hello/client.ts [--port 8080]
 * @run deno run --allow-net lessons/03-tcp-hello/client.ts [--port 8080]
 * @run bun lessons/03-tcp-hello/client.ts [--port 8080]
 *
 * Connects, receives the server's greeting, answers `Hello`, and closes.
 */
import net from 'node:net';
import { fail, parseCli } from '../../shared/helpers.ts';

const args = parseCli('client.ts [--host 127.0.0.1] [--port 8080]', 8080, {});

// 1. Create the socket and 2. connect (创建套接字、连接服务器): a TCP client does not bind;
//    the OS picks its local port.
const client = net.connect({ host: args.host, port: args.port });
client.on('error', (err) => fail(err, args.host, args.port));

// 3. Receive (接收数据): collect the greeting, decoded as UTF-8 across reads.
// Pitfall: one recv(1024) may hold only part of `你好` (it is 6 bytes), even half a character.
let greeting = '';
client.setEncoding('utf8');
client.on('data', (text) => {
  greeting += text;
});

// 4. Send (发送数据) `Hello`. end() sends it and then closes our side (FIN), which tells the
//    server we are done talking: TCP has no other "end of message" in this protocol.
client.end('Hello');

// 5. Close (关闭套接字): when the server closes its side, the greeting is complete.
client.on('end', () => console.log(`received: ${greeting}`));
