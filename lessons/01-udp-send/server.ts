/**
 * @title UDP receiver (UDP 接收数据)
 * @article 000 "udp接收数据"
 * @run node lessons/01-udp-send/server.ts [--port 8080] [--encoding utf-8|gbk]
 * @run npx tsx lessons/01-udp-send/server.ts [--port 8080] [--encoding utf-8|gbk]
 * @run deno run --allow-net lessons/01-udp-send/server.ts [--port 8080] [--encoding utf-8|gbk]
 * @run bun lessons/01-udp-send/server.ts [--port 8080] [--encoding utf-8|gbk]
 *
 * Binds a UDP port and prints every datagram that arrives, with the sender's address and port.
 * One sendto() on the sending side is exactly one 'message' event here: UDP keeps boundaries.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { TextDecoder } from 'node:util';
import { fail, hostPort, onShutdown, parseCli, usageError } from '../../shared/helpers.ts';

const usage = 'server.ts [--host 127.0.0.1] [--port 8080] [--encoding utf-8|gbk]';
const args = parseCli(usage, 8080, { encoding: { type: 'string', default: 'utf-8' } });

// Text typed on a Chinese Windows machine may arrive as GBK rather than UTF-8, so the article
// decodes with "gbk" there. TextDecoder knows both (and many more).
const decoder = decoderFor(args.encoding);

// 1. Create a UDP socket (创建 UDP 套接字): SOCK_DGRAM is 'udp4' (or 'udp6' for IPv6).
const socket = dgram.createSocket(isIPv6(args.host) ? 'udp6' : 'udp4');
socket.on('error', (err) => fail(err, args.host, args.port));

// 2. Bind our own address and port (绑定本地信息): a receiver must, or no one can find it.
socket.bind(args.port, args.host, () => {
  const { address, port } = socket.address();
  console.log(`bound to ${hostPort(address, port)}`); // e.g. bound to 127.0.0.1:8080
});

// 3. Receive data (接收数据): each 'message' is one whole datagram plus who sent it, like the
//    (data, address) tuple that recvfrom() returns.
// Pitfall: recvfrom(1024) silently cuts a longer datagram on Linux (and raises on Windows).
//    Node hands over the whole datagram, up to the 64 KiB that UDP allows.
socket.on('message', (data, sender) => {
  console.log(`${hostPort(sender.address, sender.port)} sent: ${decoder.decode(data)}`);
});

// 4. Close the socket (关闭套接字): on Ctrl+C. The article stops after one datagram; we keep going.
onShutdown(() => socket.close());

/** A decoder for --encoding; an encoding TextDecoder does not know is a bad argument (exit 2). */
function decoderFor(encoding: string): TextDecoder {
  try {
    return new TextDecoder(encoding);
  } catch {
    // TextDecoder throws a RangeError for a name it does not know; no more to say than that.
    usageError(`unknown encoding '${encoding}'`, usage);
  }
}
