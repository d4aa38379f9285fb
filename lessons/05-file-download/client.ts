/**
 * @title TCP file download client (文件下载客户端)
 * @article 000 "示例3-tcp文件下载"; 003 "三、文件下载"
 * @run npx tsx lessons/05-file-download/client.ts --file NAME [--port 7890]
 * @run deno run --allow-net --allow-read=. --allow-write=. lessons/05-file-download/client.ts --file NAME [--port 7890]
 * @run bun lessons/05-file-download/client.ts --file NAME [--port 7890]
 *
 * Sends a file name, then writes every byte the server sends until it closes the connection to
 * `[复件]NAME` in the current folder.
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { exitWith, fail, parseCli, usageError } from '../../shared/helpers.ts';

const usage = 'client.ts --file NAME [--host 127.0.0.1] [--port 7890]';
// The server's address (step 2) and the file to download (step 4): options, not input().
const args = parseCli(usage, 7890, { file: { type: 'string' } });
if (!args.file) usageError('say which file to download with --file NAME', usage);
const name = args.file;
// The copy goes in the current folder, whatever folders the name has on the server.
const target = `[复件]${path.basename(name)}`;

// 1. Create the socket and 3. connect (创建套接字、链接服务器).
const client = net.connect({ host: args.host, port: args.port });
client.on('error', (err) => fail(err, args.host, args.port));

// 5. Send the file name (将文件名字发送到服务器). end() sends it and closes our side (FIN),
//    which tells the server the name is complete. The article's server just reads it.
client.end(name);

// 6. Receive the file (接收要下载的文件) and 7. write it (写入文件) as it comes.
// Pitfall: the article does one recv(1024), so a file over 1 KiB is cut short. TCP is a stream
//    with no message edges; the file ends where the server closes the connection.
// The file is created at the first byte, so a download that brings nothing leaves no empty file,
// and under a temporary name, renamed once the server has closed normally: a broken download
// never looks like a finished one.
const partial = `${target}.part`;
process.on('exit', () => rmSync(partial, { force: true }));
client.once('data', (first: Buffer) => {
  client.pause();
  client.unshift(first);
  const output = createWriteStream(partial);
  // pipeline() stops reading from the network while the disk catches up (backpressure).
  pipeline(client, output).then(
    () => {
      renameSync(partial, target);
      console.log(`saved ${output.bytesWritten} bytes to ${target}`);
    },
    (err: NodeJS.ErrnoException) => exitWith(1, `error: ${target}: ${err.message}`),
  );
});

// 8. Close (关闭套接字): the server closed first. If no byte came, there is nothing to save.
client.on('end', () => {
  if (client.bytesRead > 0) return;
  exitWith(1, `the server sent nothing for '${name}' (missing, refused or empty); nothing saved`);
});
