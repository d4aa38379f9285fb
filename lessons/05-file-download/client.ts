/**
 * @title TCP file download client (文件下载客户端)
 * @article 000 "示例3-tcp文件下载"; 003 "三、文件下载"
 * @run node lessons/05-file-download/client.ts --file NAME [--port 7890]
 * @run npx tsx lessons/05-file-download/client.ts --file NAME [--port 7890]
 * @run deno run --allow-net --allow-read=. --allow-write=. lessons/05-file-download/client.ts --file NAME [--port 7890]
 * @run bun lessons/05-file-download/client.ts --file NAME [--port 7890]
 *
 * Sends a file name, then writes every byte the server sends until it closes the connection to
 * `[复件]NAME` in the current folder.
 */
import { createWriteStream, openSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { exitWith, fail, parseCli, usageError } from '../../shared/helpers.ts';

const usage = 'client.ts --file NAME [--host 127.0.0.1] [--port 7890]';
// The server's address (step 2) and the file to download (step 4): options, not input().
const args = parseCli(usage, 7890, { file: { type: 'string' } });
if (!args.file) usageError('say which file to download with --file NAME', usage);
const name = args.file;
// The copy goes in the current folder, whatever folders the name has on the server.
const target = `[复件]${path.basename(name)}`;
// The copy is written under a temporary name, and renamed once the server has closed normally:
// a broken download never looks like a finished one. It is created at the first byte, so a
// download that brings nothing leaves no empty file.
const partial = `${target}.part`;
let output: WriteStream | undefined;

// 1. Create the socket and 3. connect (创建套接字、链接服务器). Node reads into `buffer` and
//    hands each read to `received` (step 6), as the article's recv() fills its buffer. 1 MiB,
//    not 64 KiB: each read costs a turn of the event loop here (see step 6), so fewer is faster.
const client = net.connect({
  host: args.host,
  port: args.port,
  onread: { buffer: Buffer.alloc(1024 * 1024), callback: received },
});
client.on('error', (err) => fail(err, args.host, args.port));

// 5. Send the file name (将文件名字发送到服务器). end() sends it and closes our side (FIN),
//    which tells the server the name is complete. The article's server just reads it.
client.end(name);

// 6. Receive the file (接收要下载的文件) and 7. write it (写入文件) as it comes: `received`,
//    below, takes every read.
// Pitfall: the article does one recv(1024), so a file over 1 KiB is cut short. TCP is a stream
//    with no message edges; the file ends where the server closes the connection.
// The copy is removed at exit unless it was renamed, and only if this program made it: a file or
// a folder that already had that name is not ours to delete.
process.on('exit', () => {
  if (output) rmSync(partial, { force: true });
});

// 8. Close (关闭套接字): the server closed first, so the file is complete. If no byte came,
//    there is nothing to save.
client.on('end', () => {
  const copy = output;
  if (!copy) {
    quit(`the server sent nothing for '${name}' (missing, refused or empty); nothing saved`);
    return;
  }
  copy.end(() => {
    // The rename fails if a folder has the name, or (on Windows) if another program or an
    // antivirus scan holds the old copy open. The complete .part is then removed at exit.
    try {
      renameSync(partial, target);
    } catch (err) {
      const why = `${(err as NodeJS.ErrnoException).code}: a folder, or open in another program?`;
      quit(`error: cannot save ${target} (${why}); nothing saved`);
      return;
    }
    console.log(`saved ${copy.bytesWritten} bytes to ${target}`);
  });
});

// Steps 6 and 7: one read of `length` bytes into `buffer`, written to the copy. Returning false
// stops reading until the disk has taken the bytes (backpressure); only then is the buffer read
// into again, so it needs no copy.
// Pitfall: a reset (RST) must never pass for the end of the file. On Node 22 and older (libuv
//    1.51), a socket that keeps reading while a reset arrives with the last bytes reports a
//    normal end; a socket that stops after each read, as this one does, sees the reset.
function received(length: number, buffer: Buffer): boolean {
  if (output === undefined) {
    // Opened at once (openSync), not later on a worker thread, so the exit handler always
    // finds it.
    try {
      output = createWriteStream(partial, { fd: openSync(partial, 'w') });
    } catch (err) {
      const { code } = err as NodeJS.ErrnoException;
      quit(`error: cannot write ${partial} (${code}); nothing saved`);
      return false; // read no more: we are exiting
    }
    output.on('error', (err) => quit(`error: ${err.message}`));
  }
  output.write(buffer.subarray(0, length), () => client.resume());
  return false;
}

/** Say why, and exit with code 1. */
function quit(line: string) {
  exitWith(1, line);
}
