/**
 * @title Sticky packets and the fix (粘包与解决)
 * @article 001 "五、SSH的实现"
 * @run node lessons/06-remote-shell/sticky.ts
 * @run npx tsx lessons/06-remote-shell/sticky.ts
 * @run deno run --allow-net lessons/06-remote-shell/sticky.ts
 * @run bun lessons/06-remote-shell/sticky.ts
 *
 * Why the article's ack is there: without it, the size and the output arrive as one read. Then a
 * fix that needs no ack: a length prefix of fixed size, and reads of exactly that many bytes.
 */
import { once } from 'node:events';
import net from 'node:net';
import { exitWith } from '../../shared/helpers.ts';
import { readExactly } from './exact.ts';

const output = Buffer.from('cmd has no output...');

// 1. The sender: send(str(len(output))), then send(output), with no ack in between. It is a
//    server (startSender, below) that answers each connection at once that way.
const server = await startSender();
const { port } = server.address() as net.AddressInfo;
console.log(`sender:   send('${output.length}') then send('${output}'), no ack between`);

// 2. The receiver, like the article's client, takes one read as the size (recv(1024)).
const plain = net.connect(port, '127.0.0.1').on('error', quit);
await once(plain, 'readable');
const firstRead = String(plain.read());
console.log(`receiver: one read returned ${firstRead.length} bytes: '${firstRead}'`);
console.log(`          int('${firstRead}') raises ValueError: the two sends stuck together (粘包)`);

// 3. The fix: the size goes first in a fixed number of bytes (4 here), so the receiver always
//    knows how much to read. readExactly() (exact.ts) waits for exactly that many,
//    however they arrive. The sender answers this second connection that way, still with no ack.
console.log('sender:   send(4-byte size) then send(output), still no ack');
const framed = net.connect(port, '127.0.0.1').on('error', quit);
const size = (await readExactly(framed, 4)).readUInt32BE();
const body = await readExactly(framed, size);
console.log(`receiver: readExactly(4) -> ${size}, then readExactly(${size}) -> '${body}'`);

// 4. Close everything (close()).
plain.destroy();
framed.destroy();
server.close();

/**
 * A server that answers each connection at once: the first as the article would without its
 * ack (the size as text), the second with a 4-byte length prefix. cork() hands both writes to
 * the OS in one call, as a busy sender often ends up doing, so the demo shows the same thing
 * every time. Resolves once it is listening.
 */
async function startSender(): Promise<net.Server> {
  let connections = 0;
  const sender = net.createServer((conn) => {
    conn.on('error', quit);
    connections += 1;
    const prefixed = connections === 2;
    conn.cork();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(output.length); // 4 bytes, big-endian: any length up to 4 GiB
    conn.write(prefixed ? header : String(output.length));
    conn.end(output); // end() uncorks: both writes leave together
  });
  sender.on('error', quit);
  sender.listen(0, '127.0.0.1');
  await once(sender, 'listening');
  return sender;
}

function quit(err: Error) {
  exitWith(1, `error: ${err.message}`);
}
