/**
 * @title UDP sender (UDP 发送数据)
 * @article 000 "udp使用socket发送数据", "端口绑定的问题"
 * @run node lessons/01-udp-send/client.ts [--port 8080] [--message hahaha] [--bind 9000]
 * @run npx tsx lessons/01-udp-send/client.ts [--port 8080] [--message hahaha] [--bind 9000]
 * @run deno run --allow-net lessons/01-udp-send/client.ts [--port 8080] [--message hahaha] [--bind 9000]
 * @run bun lessons/01-udp-send/client.ts [--port 8080] [--message hahaha] [--bind 9000]
 *
 * Sends one datagram (--message), or one per line typed until `exit`. It prints its own port once:
 * the OS picks a free port at the first send and keeps it for every later send, unless --bind
 * fixes it.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { fail, hostPort, parseCli, stdinLines, usageError } from '../../shared/helpers.ts';

const usage = 'client.ts [--host 127.0.0.1] [--port 8080] [--message TEXT] [--bind PORT]';
const args = parseCli(usage, 8080, { message: { type: 'string' }, bind: { type: 'string' } });

// 1. Create a UDP socket (创建 UDP 套接字). No connection: every send names its destination.
const socket = dgram.createSocket(isIPv6(args.host) ? 'udp6' : 'udp4');
socket.on('error', (err: NodeJS.ErrnoException) => {
  // A failed bind names the option to change: --bind, not --port.
  if (err.syscall === 'bind') {
    fail(err, args.host, Number(args.bind), '--bind');
  } else {
    fail(err, args.host, args.port);
  }
});
socket.on('listening', () => {
  const { address, port } = socket.address();
  console.log(`sending from ${hostPort(address, port)}`);
});

// (Optional) Bind a fixed local port (绑定端口). Without bind() the OS binds a free port at the
// first send() and reuses it, which is why the receiver sees the same port every time.
if (args.bind !== undefined) {
  if (!/^\d+$/.test(args.bind) || Number(args.bind) > 65535) {
    usageError(`invalid port '${args.bind}' for --bind`, usage);
  }
  socket.bind(Number(args.bind));
}

// 2. Send data (发送数据): the one --message, or each line typed until `exit`. Waiting for each
//    send to finish (send() below) keeps them in order and never queues more than one.
try {
  if (args.message !== undefined) {
    await send(args.message);
  } else {
    for await (const line of stdinLines('exit')) {
      await send(line);
    }
  }
  // 3. Close the socket (关闭套接字).
  socket.close();
} catch (err) {
  fail(err as NodeJS.ErrnoException, args.host, args.port);
}

/** One datagram: each send() is exactly one, text encoded as UTF-8. Resolves once it is sent. */
function send(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(text, args.port, args.host, (err) => {
      if (err) {
        reject(err);
      } else {
        resolve();
      }
    });
  });
}
