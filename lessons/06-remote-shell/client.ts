/**
 * @title Remote shell client (SSH 的实现: 客户端)
 * @article 001 "五、SSH的实现"
 * @run node lessons/06-remote-shell/client.ts [--port 8000]
 * @run npx tsx lessons/06-remote-shell/client.ts [--port 8000]
 * @run deno run --allow-net lessons/06-remote-shell/client.ts [--port 8000]
 * @run bun lessons/06-remote-shell/client.ts [--port 8000]
 *
 * Sends each line you type as a command, reads the output's length, acks, then reads exactly that
 * many bytes and prints them. `exit` or the end of input quits.
 */
import net from 'node:net';
import { exitWith, fail, parseCli, stdinLines } from '../../shared/helpers.ts';
import { readExactly } from './exact.ts';
import { readUntilPause } from './pause.ts';

const args = parseCli('client.ts [--host 127.0.0.1] [--port 8000]', 8000, {});

// 1. Create the socket and connect (client.connect(('localhost', 8000))).
const client = net.connect({ host: args.host, port: args.port });
client.on('error', (err) => fail(err, args.host, args.port));

// 2. Read a command (input(">>:").strip()); skip empty ones, which would send nothing.
for await (const line of stdinLines('exit')) {
  const command = line.trim();
  if (command === '') continue;
  // 3. Send it (send).
  client.write(command);

  // 4. Receive the output's size (cmd_res_size = recv(1024)), decimal text with no end marker.
  // Pitfall: one recv(1024) may hold only '12' of '1234'. The size is all that comes before
  //    the server pauses to wait for our ack. On a reset readUntilPause rejects: null here.
  const sizeText = await readUntilPause(client).catch(() => null);
  if (sizeText === null) break; // the server is gone; below or the 'error' handler says so
  const reply = sizeText.toString('utf8');
  if (!/^\d+$/.test(reply)) {
    quit(`'${reply}' is not a size`);
    break;
  }
  const size = Number(reply);
  console.log(`'${command}' -> ${size} bytes`);

  // 5. Send the ack (send("准备接受")): now the server may send the output.
  client.write('准备接受');

  // 6. Receive exactly `size` bytes (while received_size < size: recv(1024)), however they are
  //    split. The article's loop does this right; readExactly (exact.ts) is the same loop.
  let output: Buffer;
  try {
    output = await readExactly(client, size);
  } catch (err) {
    quit((err as Error).message); // connection closed after 5 of 13 bytes
    break;
  }

  // 7. Print it (print(received_data.decode())). Bytes go to stdout as they are, so a
  //    character split between two reads is whole again here.
  process.stdout.write(output);
  if (output.at(-1) !== 0x0a) process.stdout.write('\n');
}

// 8. Close (client.close()): FIN once all is sent, then let go. Waiting for the server's FIN
//    would hang: the article's server never closes its end.
if (client.readableEnded) quit('the server closed the connection');
client.end(() => client.destroy());

/** Say what went wrong and exit with code 1 (once what is on its way to stdout is out). */
function quit(problem: string) {
  exitWith(1, `error: ${problem}`);
}
