/**
 * @title UDP echo server (UDP 服务器端)
 * @article 003 "一、UDP 网络程序"
 * @run node lessons/02-udp-echo/server.ts [--port 8080]
 * @run npx tsx lessons/02-udp-echo/server.ts [--port 8080]
 * @run deno run --allow-net lessons/02-udp-echo/server.ts [--port 8080]
 * @run bun lessons/02-udp-echo/server.ts [--port 8080]
 *
 * Receives a datagram, prints it with the sender's address, and answers `nice to meet you` to
 * that address. Unlike the article it keeps serving after the first datagram.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { fail, hostPort, onShutdown, parseCli } from '../../shared/helpers.ts';

const args = parseCli('server.ts [--host 127.0.0.1] [--port 8080]', 8080, {});

// 1. Create a UDP socket (创建套接字): AF_INET + SOCK_DGRAM is 'udp4'.
const server = dgram.createSocket(isIPv6(args.host) ? 'udp6' : 'udp4');

// Pitfall: the article catches every OSError around bind() and blames the port. Node names the
//    real cause (EADDRINUSE, EADDRNOTAVAIL, EACCES ...), and fail() turns it into one clear line.
server.on('error', (err) => fail(err, args.host, args.port));

// 2. Bind the address and port (绑定 ip 和 port): only then can the socket send and receive.
server.bind(args.port, args.host, () => {
  const { address, port } = server.address();
  console.log(`bound to ${hostPort(address, port)}`);
});

// 3. Receive data (recvfrom): one 'message' per datagram, with the sender's address.
server.on('message', (data, sender) => {
  const from = hostPort(sender.address, sender.port);
  console.log(`${from} sent: ${data.toString('utf8')}`);

  // 4. Send the reply (sendto) to the address the datagram came from.
  server.send('nice to meet you', sender.port, sender.address, (err) => {
    if (err) {
      console.log(`could not reply to ${from}: ${err.message}`);
    } else {
      console.log(`replied to ${from}: nice to meet you`);
    }
  });
});

// 5. Close the socket (关闭套接字): on Ctrl+C or SIGTERM.
onShutdown(() => server.close());
