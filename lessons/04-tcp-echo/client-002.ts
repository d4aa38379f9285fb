/**
 * @title TCP chat client for the echo server (客户端示例: 示例01, 示例02)
 * @article 002 "2-2-3-2-客户端示例"
 * @run node lessons/04-tcp-echo/client-002.ts [--port 8888]
 * @run npx tsx lessons/04-tcp-echo/client-002.ts [--port 8888]
 * @run deno run --allow-net lessons/04-tcp-echo/client-002.ts [--port 8888]
 * @run bun lessons/04-tcp-echo/client-002.ts [--port 8888]
 *
 * Article 002's clients, for server-002.ts: sends `Hello, server!`, prints the echo, then sends
 * each line you type. An empty line, `q` or the end of input stops; then it prints the server's
 * last words.
 */
import net from 'node:net';
import { text } from 'node:stream/consumers'; // read to the end, decoding UTF-8 across reads
import { exitWith, fail, parseCli, stdinLines } from '../../shared/helpers.ts';
import { readExactly } from './exact.ts';

const args = parseCli('client-002.ts [--host 127.0.0.1] [--port 8888]', 8888, {});

// 1. Create a TCP/IP socket, 2. take the server's address (('localhost', 8888)) and
// 3. connect to it (connect(server_address)).
const client = net.connect({ host: args.host, port: args.port });
client.on('error', (err) => fail(err, args.host, args.port));

// 4. The first message is fixed (message = 'Hello, server!'); the typed lines come after it.
const typed = stdinLines('q')[Symbol.asyncIterator]();
let message = 'Hello, server!';
while (message !== '') {
  // 5. Send it (sendall(message.encode('utf-8'))).
  const request = Buffer.from(message, 'utf8');
  client.write(request);

  // 6. Receive the echo (recv(512)) and print it (print("获取服务器信息:\n", …)).
  // Pitfall: one recv(512) may end inside a character (171 Chinese characters are 513 bytes),
  //    and decode('utf-8') then raises. The echo is as long as the request, so we read exactly
  //    that many bytes and decode them once.
  let reply: Buffer;
  try {
    reply = await readExactly(client, request.length);
  } catch (err) {
    const got = (err as Error & { got?: number }).got ?? 0; // readExactly says how many came
    const came = `${got} of ${request.length} bytes came back`;
    exitWith(1, `error: the server closed the connection before answering (${came})`);
    break;
  }
  console.log(`recv: ${reply.toString('utf8')}`);

  // 7. The next message (input('请输入信息:\n')); `while message:` stops at an empty line.
  const next = await typed.next();
  message = next.done ? '' : next.value.trim();
}
await typed.return?.(undefined); // stop reading the keyboard

// 8. Close (close()).
// Pitfall: close() drops the server's `Hello, client!`, which it sends only after our close.
//    end() closes our sending side only (FIN); we read on until the server closes its side too.
if (!client.destroyed) {
  client.end();
  const farewell = await text(client);
  if (farewell !== '') console.log(`recv: ${farewell}`);
}
