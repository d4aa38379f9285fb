/**
 * @title One UDP socket that sends and receives (udp 使用同一套接字收且发数据)
 * @article 000 "udp使用同一套接字收且发数据"
 * @run node lessons/02-udp-echo/duplex.ts --bind 9000 --to 9001 [--message TEXT]
 * @run npx tsx lessons/02-udp-echo/duplex.ts --bind 9000 --to 9001 [--message TEXT]
 * @run deno run --allow-net lessons/02-udp-echo/duplex.ts --bind 9000 --to 9001 [--message TEXT]
 * @run bun lessons/02-udp-echo/duplex.ts --bind 9000 --to 9001 [--message TEXT]
 *
 * Binds a known port, sends one datagram to another port, then waits for one datagram from
 * anyone and prints it with its sender. Start one, then a second that sends to the first: the
 * first prints the second's message. (The first one's own datagram is lost if nothing is bound
 * at its --to port yet: UDP does not wait for a receiver.)
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { fail, hostPort, parseCli, usageError } from '../../shared/helpers.ts';

const usage = 'duplex.ts --bind PORT --to PORT [--host 127.0.0.1] [--message TEXT]';
const args = parseCli(usage, 0, {
  bind: { type: 'string' },
  to: { type: 'string' },
  message: { type: 'string', default: 'hello 你好' },
});
const bindPort = portOf(args.bind, '--bind');
const toPort = portOf(args.to, '--to');

// 1. Create a UDP socket (创建套接字).
const socket = dgram.createSocket(isIPv6(args.host) ? 'udp6' : 'udp4');

// 2. Bind a port of our own (bind), so that others can send to us at a port they know.
// Pitfall: the article binds ('192.168.13.1', 8080), one machine's LAN address: on any other
//    machine bind() fails with "Cannot assign requested address". We bind 127.0.0.1 by
//    default (--host chooses), and the port from --bind.
socket.on('error', (err: NodeJS.ErrnoException) => {
  // A failed bind names the option to change: --bind, not --to.
  if (err.syscall === 'bind') {
    fail(err, args.host, bindPort, '--bind');
  } else {
    fail(err, args.host, toPort);
  }
});
socket.bind(bindPort, args.host, () => {
  const { address, port } = socket.address();
  console.log(`bound to ${hostPort(address, port)}`);

  // 3. The peer's IP and port, and 4. the text to send: input() in the article; options here.
  // 5. Send (sendto): one datagram to the peer.
  socket.send(args.message, toPort, args.host);
});

// 6. Receive (recvfrom): the first datagram from anyone, with its sender's address. It may have
//    come before our own send: the socket queued it from the moment it was bound.
// Pitfall: the article calls it full duplex (全双工) but can only do one thing at a time; Node
//    listens for 'message' while it sends, on one thread.
socket.once('message', (data, sender) => {
  console.log(`${hostPort(sender.address, sender.port)} sent: ${data.toString('utf8')}`);
  // 7. Close the socket (关闭套接字).
  socket.close();
});

/** The port given to --bind or --to; anything but a number from 0 to 65535 is a usage error. */
function portOf(value: string | undefined, option: string): number {
  if (!value || !/^\d+$/.test(value) || Number(value) > 65535) {
    usageError(`give ${option} a port from 0 to 65535`, usage);
  }
  return Number(value);
}
