/**
 * @title Chat client (epoll 即时聊天客户端)
 * @article 003 "四、使用 epoll 实现即时聊天"
 * @run node lessons/08-chat/client.ts [--port 8080]
 * @run npx tsx lessons/08-chat/client.ts [--port 8080]
 * @run deno run --allow-net lessons/08-chat/client.ts [--port 8080]
 * @run bun lessons/08-chat/client.ts [--port 8080]
 *
 * Prints every line the server sends while it sends every line you type: two sources of input
 * at once, as the article's client watches its socket and stdin with epoll. `/quit` ends, as does
 * the end of input: Ctrl+D, or Ctrl+Z then Enter on Windows.
 */
import { once } from 'node:events';
import net from 'node:net';
import { fail, parseCli, stdinLines } from '../../shared/helpers.ts';
import { readLines } from './lines.ts';

const args = parseCli('client.ts [--host 127.0.0.1] [--port 8080]', 8080, {});

// 1. Create the socket and connect (socket, connect).
const client = net.connect({ host: args.host, port: args.port });
client.on('error', (err) => fail(err, args.host, args.port));

// 2. Create the epoll object and register the socket for EPOLLIN: in Node, every read is a
//    'data' event, and readLines turns them into lines. Each one is printed as it arrives,
//    even while we wait for you to type.
readLines(client, (line) => console.log(line));

// 3. recv() returned b'': the server closed the connection ("Server has been closed.").
let leaving = false; // set once we close our side: the server's close that follows is expected
client.on('end', () => {
  if (!leaving) console.log('the server closed the connection');
});
// Closed both ways: exit once stdout has printed everything (after an error, fail() exits).
client.on('close', (hadError) => {
  if (!hadError) process.stdout.write('', () => process.exit(0));
});

// 4. Register stdin for EPOLLIN: each line you type goes to the server, with its newline.
// Pitfall: the article sends input() without the newline, so the receiver cannot tell where
//    one message ends and the next begins.
for await (const line of stdinLines('/quit')) {
  // Backpressure: if the server is not reading, wait until our send buffer drains.
  if (!client.write(`${line}\n`)) await once(client, 'drain');
}

// 5. End of input (Ctrl+D, Ctrl+Z then Enter on Windows, or /quit): close our side. Lines the
//    server sent before it saw that still arrive and are printed; then it closes too, and we exit.
leaving = true;
client.end();
