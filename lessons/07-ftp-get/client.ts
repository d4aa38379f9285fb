/**
 * @title FTP-style download client (ftp 传文件: 客户端)
 * @article 001 "六、ftp传文件的实现"
 * @run node lessons/07-ftp-get/client.ts [--port 9999] [--timeout 10]
 * @run npx tsx lessons/07-ftp-get/client.ts [--port 9999] [--timeout 10]
 * @run deno run --allow-net --allow-read=. --allow-write=. lessons/07-ftp-get/client.ts [--port 9999] [--timeout 10]
 * @run bun lessons/07-ftp-get/client.ts [--port 9999] [--timeout 10]
 *
 * Sends `get <file>` for each line you type, receives exactly the announced size into
 * `<file>.new`, and checks the file's MD5 against the server's. Exit code 1 on a mismatch.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, openSync, renameSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { exitWith, explain, parseCli, seconds, stdinLines } from '../../shared/helpers.ts';
import { readExactly } from './exact.ts';
import { readUntilPause } from './pause.ts';
import { endBar, progressBar } from './progress.ts';

const usage = 'client.ts [--host 127.0.0.1] [--port 9999] [--timeout 10]';
const args = parseCli(usage, 9999, { timeout: { type: 'string', default: '10' } });
const timeout = seconds(args.timeout, usage);
// The copy being written, removed at exit unless it was renamed. Set once the file is opened:
// a file or a folder that already had the name is not ours to delete.
let partial = '';
process.on('exit', () => {
  if (partial) rmSync(partial, { force: true });
});

// 1. Create the socket and connect (client.connect(('localhost', 9999))).
const client = net.connect({ host: args.host, port: args.port });
client.on('error', (err) => quit(new Error(explain(err, args.host, args.port))));
// The article's server answers a missing file with silence; don't wait for it forever.
client.on('timeout', () => quit(new Error(`no answer for ${timeout} s; does the file exist?`)));

try {
  // 2. Read a command (input(">>:").strip()); skip empty ones.
  for await (const line of stdinLines('exit')) {
    const command = line.trim();
    if (command === '') continue;
    // 3. Send it (send(cmd.encode())).
    client.write(command);
    client.setTimeout(timeout * 1000); // from now until the MD5 is in

    // 4. Receive the size (server_response = recv(1024)): all that comes before the server pauses.
    //    On a reset readUntilPause rejects: null here, and the 'error' handler says so.
    const answer = await readUntilPause(client).catch(() => null);
    if (answer === null) break; // the server is gone; the 'error' handler or the end says so
    const reply = answer.toString('utf8');
    if (!/^\d+$/.test(reply)) {
      // Our server answers `error: ...` where the size would be; then there is nothing to ack.
      console.log(`server: ${reply}`);
    } else {
      // 5. Send the ack (send(b"ready to recv file")).
      client.write('ready to recv file');
      // 6. Receive exactly that many bytes into <file>.new (while received_size < total: recv).
      //    Written as <file>.new.part, renamed only if the MD5s match: a bad copy never looks done.
      // Pitfall: the article names its copy cmd.split()[1], so `get 新建 文本文档.txt` is saved as
      //    新建.new. The name is everything after `get `, as the server takes it.
      const name = /^get\s+(.+)$/s.exec(command)?.[1] ?? 'download';
      const target = `${path.basename(name)}.new`;
      const clientMd5 = await receiveFile(`${target}.part`, Number(reply));
      console.log(`received ${reply} bytes into ${target}`);
      // 7. Receive the server's MD5 (recv(1024)): exactly 32 hex characters. Compare.
      const md5Cut = () => broke("before the server's MD5 came, so the copy cannot be checked");
      const serverMd5 = (await readExactly(client, 32).catch(md5Cut)).toString('latin1');
      const match = serverMd5 === clientMd5;
      if (match) renameSync(partial, target);
      else rmSync(partial, { force: true }); // a damaged copy is not kept, even until exit
      console.log(`server md5: ${serverMd5}`);
      console.log(`client md5: ${clientMd5} (${match ? 'match' : 'MISMATCH: the copy differs'})`);
      if (!match) process.exitCode = 1;
    }
    client.setTimeout(0);
  }
} catch (err) {
  quit(err as Error); // the server went away mid-transfer
}

// 8. Close (client.close()): FIN once all is sent, then let go. Waiting for the server's FIN
//    would hang: the article's server never closes its end.
if (client.readableEnded) quit(new Error('the server closed the connection'));
client.end(() => client.destroy());

/**
 * Step 6: receive exactly `size` bytes into `target` and resolve with their MD5. Never ask for
 * more than is left (the MD5 follows); wait for 'drain' when the disk is slower (backpressure).
 * The progress bar (progress.ts) is drawn on a terminal only.
 */
async function receiveFile(target: string, size: number): Promise<string> {
  // Opened at once, not later on a worker thread: a copy that is being created while the
  // process exits could otherwise appear after the exit handler has removed it.
  const fd = openSync(target, 'w');
  partial = target;
  const output = createWriteStream(target, { fd }).on('error', quit);
  const md5 = createHash('md5');
  const progress = progressBar(size);
  let received = 0;
  const cut = (err: Error & { got?: number }) =>
    broke(`after ${received + (err.got ?? 0)} of ${size} bytes`);
  while (received < size) {
    const chunk = await readExactly(client, Math.min(64 * 1024, size - received)).catch(cut);
    md5.update(chunk);
    received += chunk.length;
    if (!output.write(chunk)) await once(output, 'drain');
    progress(received);
  }
  // end() writes what is left; 'finish' comes once all of it is in the file.
  output.end();
  await once(output, 'finish');
  return md5.digest('hex');
}

// A transfer cut short, in words: how far it got, and that the partial copy is not kept.
function broke(how: string): never {
  throw new Error(`the connection broke ${how}; nothing saved`);
}

// End the progress bar's line, if one is open, and say what went wrong: exit code 1.
function quit(err: Error) {
  endBar();
  exitWith(1, `error: ${err.message}`);
}
