/**
 * @title TCP upper-case echo client (简单的 socket 客户端)
 * @article 001 "三、简单的socket"; 002 "2-2-3-2"
 * @run node lessons/04-tcp-echo/client.ts [--port 6969]
 * @run npx tsx lessons/04-tcp-echo/client.ts [--port 6969]
 * @run deno run --allow-net lessons/04-tcp-echo/client.ts [--port 6969]
 * @run bun lessons/04-tcp-echo/client.ts [--port 6969]
 *
 * Sends each line you type and prints the server's upper-cased reply. `q` quits.
 */
import net from 'node:net';
import { exitWith, fail, parseCli, stdinLines } from '../../shared/helpers.ts';
import { readExactly } from './exact.ts';

const args = parseCli('client.ts [--host 127.0.0.1] [--port 6969]', 6969, {});

// 1. Create the socket and 2. connect (connect(("localhost", 6969))).
const client = net.connect({ host: args.host, port: args.port });
client.on('error', (err) => fail(err, args.host, args.port));

// 3. Read a line (input().strip()); `q` ends the loop.
for await (const line of stdinLines('q')) {
  const message = line.trim();
  // Pitfall: the article sends an empty line as zero bytes, then waits in recv() forever for a
  //    reply that never comes. Skip it.
  if (message === '') continue;

  // 4. Send it (send).
  const request = Buffer.from(message, 'utf8');
  client.write(request);

  // 5. Receive the reply (recv).
  // Pitfall: one recv(1024) may return part of the reply, or two replies stuck together.
  //    Upper-casing keeps the length, so we read exactly as many bytes as we sent.
  //    If the server closes first, say how much of the reply came. (A reset or another network
  //    error is reported by the 'error' handler above, which runs first.)
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
}

// 6. Close (close): end() sends FIN, the server sees recv() return b'' and says goodbye.
client.end();
