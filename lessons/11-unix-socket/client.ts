/**
 * @title Local socket echo client (本地套接字 AF_UNIX 客户端)
 * @article 002 "2-2-1-1-语法01"; 000 "创建socket"; 001 "参数说明"
 * @run node lessons/11-unix-socket/client.ts [--path PATH]
 * @run npx tsx lessons/11-unix-socket/client.ts [--path PATH]
 * @run deno run --allow-net --allow-read --allow-write --allow-env=TMPDIR,TMP,TEMP --allow-sys=uid lessons/11-unix-socket/client.ts [--path PATH]
 * @run bun lessons/11-unix-socket/client.ts [--path PATH]
 *
 * Sends each line you type to the local echo server and prints its upper-cased reply; `q`
 * quits. A newline ends each message, both ways, as `nc -U` sends them.
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import { exitWith, stdinLines } from '../../shared/helpers.ts';
import { explainLocal, parseLocalCli } from './local.ts';

const args = parseLocalCli('client.ts [--path PATH]');

// 1. Create the socket and 2. connect (socket.socket(AF_UNIX), connect("/tmp/…/echo.sock")):
//    a path in place of (host, port); the rest of the program is lesson 04's.
const client = net.connect({ path: args.path });
client.on('error', (err) => exitWith(1, `error: ${explainLocal(err, args.path)}`));

// 3. The server's replies, line by line. A local socket is a byte stream as TCP is: a reply
//    may come in pieces, or two in one read. Each ends with its newline, so read up to it.
const replies = createInterface({ input: client })[Symbol.asyncIterator]();

// 4. Read a line you type (input()); `q` or the end of input stops.
for await (const line of stdinLines('q')) {
  // 5. Send it with its newline (send), then wait for the whole reply line (recv).
  client.write(`${line}\n`);
  // After an error the 'error' handler has already said why; exitWith says nothing twice.
  const reply = await replies.next().catch(() => ({ done: true }) as const);
  if (reply.done) {
    exitWith(1, 'error: the server closed the connection before answering');
    break;
  }
  console.log(`recv: ${reply.value}`);
}

// 6. Close (close): end() ends our side of the stream; the server sees 'end' and logs it.
client.end();
