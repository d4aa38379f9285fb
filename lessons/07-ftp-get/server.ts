/**
 * @title FTP-style file server (ftp 传文件: 服务器)
 * @article 001 "六、ftp传文件的实现"
 * @run node lessons/07-ftp-get/server.ts [--port 9999] [--root .]
 * @run npx tsx lessons/07-ftp-get/server.ts [--port 9999] [--root .]
 * @run deno run --allow-net --allow-read lessons/07-ftp-get/server.ts [--port 9999] [--root .]
 * @run bun lessons/07-ftp-get/server.ts [--port 9999] [--root .]
 *
 * Answers `get <file>` with the file's size, waits for the ack, streams the file while hashing it,
 * then sends its MD5. A missing file or a bad command gets an `error: ...` answer instead.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import net from 'node:net';
import { pipeline } from 'node:stream/promises';
import { fail, hostPort, onShutdown, parseCli, usageError } from '../../shared/helpers.ts';
import { resolveInside } from './inside.ts';
import { readUntilPause } from './pause.ts';

const usage = 'server.ts [--host 127.0.0.1] [--port 9999] [--root .]';
const args = parseCli(usage, 9999, { root: { type: 'string', default: '.' } });
// existsSync first: statSync throws (a stack trace) on a path through a file, `a.txt/x`.
if (!existsSync(args.root) || !statSync(args.root).isDirectory()) {
  usageError(`--root '${args.root}' is not a folder`, usage);
}

// 1. Create the socket, bind and listen (socket(), bind(('localhost', 9999)), listen()).
const server = net.createServer().on('error', (err) => fail(err, args.host, args.port));
const sending = new Map<net.Socket, string>(); // answers under way, from the size to the MD5
server.listen({ host: args.host, port: args.port }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`); // e.g. listening on 127.0.0.1:9999
});

// 2. Accept (accept): each client gets its own loop, so many are served at once.
server.on('connection', async (conn) => {
  const peer = hostPort(conn.remoteAddress, conn.remotePort);
  console.log(`${peer} connected`);
  conn.on('error', (err) => console.log(`${peer} error: ${err.message}`));
  conn.on('close', () => console.log(`${peer} disconnected`));
  // The next message from this client, or null at the end of the stream. On a reset
  // readUntilPause rejects, and the 'error' handler says so: that counts as the end too.
  const next = () => readUntilPause(conn).catch(() => null);
  try {
    while (true) {
      // 3. Wait for a command (recv(1024)): all that comes before a pause, not one read.
      const request = await next();
      if (request === null) break; // if not data: break
      // 4. Split it (cmd, filename = data.decode().split()) and look for the file.
      // Pitfall: split() makes three words of `get 新建 文本文档.txt` (Windows' new text file),
      //    and unpacking them into two kills the article's server. The name is all after `get `.
      const text = request.toString('utf8').trim();
      const name = /^get\s+(.+)$/s.exec(text)?.[1];
      console.log(`${peer} asks: ${text.replace(/\s+/g, ' ')}`); // one log line, whatever it sent
      const found = await find(name);
      // Pitfall: the article's server crashes on a bad command and says nothing for a missing
      //    file, so its client waits forever. We answer with a line where the size would go.
      if (typeof found === 'string') {
        console.log(`${peer} answered: error: ${found}`);
        if (conn.writable) conn.write(`error: ${found}`);
        continue;
      }
      // 5. Send the size (send(str(file_size))) and 6. wait for the ack (recv(1024)).
      sending.set(conn, peer);
      conn.write(String(found.size));
      // Any answer is the ack: the article's client sends `ready to recv file`.
      const ack = await next();
      if (ack === null) break; // the client left instead
      // 7. Send the file, hashing each chunk on its way (for line in f: m.update; send).
      //    pipeline() waits for 'drain', so only a chunk or two is ever in memory. Chunks of
      //    1 MiB, not the default 64 KiB: 16 times fewer reads, writes and hash calls.
      const md5 = createHash('md5');
      async function* hashing(chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          md5.update(chunk);
          yield chunk;
        }
      }
      const file = createReadStream(found.file, { highWaterMark: 1024 * 1024 });
      await pipeline(file, hashing, conn, { end: false });
      // 8. Send the MD5 (send(m.hexdigest())): always 32 hex characters.
      const digest = md5.digest('hex');
      conn.write(digest, () => sending.delete(conn)); // the OS has it all: the answer is whole
      console.log(`${peer} sent ${name} (${found.size} bytes), md5 ${digest}`);
    }
  } catch {
    // The connection broke while the file was going out: the 'error' handler has said so.
  }
  sending.delete(conn); // done with this client, whatever the state of its answer
  conn.end();
});

// 9. Close (server.close()) on Ctrl+C or SIGTERM. An answer still under way is reset (RST), not
//    ended with a FIN: a clean close halfway would tell the client less than the truth.
onShutdown(() => {
  server.close();
  for (const [conn, peer] of sending) {
    console.log(`${peer} reset: the server stopped before the file was all sent`);
    conn.resetAndDestroy();
  }
});

// Step 4: the file a request names, or why there is none (os.path.isfile(filename)), inside
// --root only (resolveInside in inside.ts, taught in lesson 05).
// Pitfall: the article opens any path, '../../etc/passwd' included.
async function find(name: string | undefined): Promise<{ file: string; size: number } | string> {
  if (name === undefined) return 'unknown command; use: get <file>';
  try {
    const file = await resolveInside(args.root, name);
    const info = await stat(file);
    return info.isFile() ? { file, size: info.size } : `'${name}' is not a file`;
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    return code === 'ENOENT' ? `no file named '${name}'` : message;
  }
}
