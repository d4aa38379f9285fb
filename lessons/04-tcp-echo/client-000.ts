/**
 * @title TCP client for the hahahah server (TCP 客户端: 示例1, 示例2)
 * @article 000 "tcp客户端发送数据", "示例1", "示例2"
 * @run node lessons/04-tcp-echo/client-000.ts [--port 8080] [--once]
 * @run npx tsx lessons/04-tcp-echo/client-000.ts [--port 8080] [--once]
 * @run deno run --allow-net lessons/04-tcp-echo/client-000.ts [--port 8080] [--once]
 * @run bun lessons/04-tcp-echo/client-000.ts [--port 8080] [--once]
 *
 * Article 000's client, made to read the answer: sends each line you type and prints the server's
 * `hahahah`; `q` quits. With `--once` it sends one line on the connection, as 示例1 serves.
 */
import net from 'node:net';
import { text } from 'node:stream/consumers'; // read to the end, decoding UTF-8 across reads
import { exitWith, fail, parseCli, stdinLines } from '../../shared/helpers.ts';
import { readExactly } from './exact.ts';

const usage = 'client-000.ts [--host 127.0.0.1] [--port 8080] [--once]';
const args = parseCli(usage, 8080, { once: { type: 'boolean', default: false } });
// The server's answer is always the same text, so its length is known in advance.
const REPLY_SIZE = Buffer.byteLength('hahahah');

// 1. Create the TCP socket and 2. connect to the server (connect(('193.168.11.1', 8080))).
const client = net.connect({ host: args.host, port: args.port });
client.on('error', (err) => fail(err, args.host, args.port));

// 3. Send a typed line (send(input("请输入你要发送的消息:").encode("utf-8"))) and receive.
for await (const line of stdinLines('q')) {
  const message = line.trim();
  // Pitfall: an empty line would send zero bytes, which the server never sees: no answer comes.
  if (message === '') continue;

  if (args.once) {
    // 示例1 answers one request per connection, then closes. end() sends the line and our FIN,
    // so the server knows the request is whole; its answer is everything until its own FIN.
    client.end(message);
    console.log(`recv: ${await text(client)}`);
    break;
  }

  // 示例2 answers every message on the same connection.
  client.write(message);
  // Pitfall: one recv(1024) may hold part of an answer, or two. The answer is always `hahahah`,
  //    so we read exactly its 7 bytes, however they arrive.
  let reply: Buffer;
  try {
    reply = await readExactly(client, REPLY_SIZE);
  } catch (err) {
    const got = (err as Error & { got?: number }).got ?? 0; // readExactly says how many came
    const came = `${got} of ${REPLY_SIZE} bytes came back`;
    exitWith(1, `error: the server closed the connection before answering (${came})`);
    break;
  }
  console.log(`recv: ${reply.toString('utf8')}`);
}

// 4. Close the socket (tcp_socket.close()): end() sends FIN; 示例2's server sees its empty read.
client.end();
