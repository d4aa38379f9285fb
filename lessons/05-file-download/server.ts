/**
 * @title TCP file download server (文件下载服务器)
 * @article 000 "示例3-tcp文件下载"; 003 "三、文件下载"
 * @run node lessons/05-file-download/server.ts [--port 7890] [--root .]
 * @run npx tsx lessons/05-file-download/server.ts [--port 7890] [--root .]
 * @run deno run --allow-net --allow-read lessons/05-file-download/server.ts [--port 7890] [--root .]
 * @run bun lessons/05-file-download/server.ts [--port 7890] [--root .]
 *
 * Receives a file name, streams that file's bytes back, and closes the connection. Only files
 * inside `--root` are served; anything else gets nothing, like a missing file in the article.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import net from 'node:net';
import { pipeline } from 'node:stream/promises';
import { fail, hostPort, onShutdown, parseCli, usageError } from '../../shared/helpers.ts';
import { resolveInside } from './inside.ts';
import { readUntilPause } from './pause.ts';

const usage = 'server.ts [--host 127.0.0.1] [--port 7890] [--root .]';
const args = parseCli(usage, 7890, { root: { type: 'string', default: '.' } });
// existsSync first: statSync throws (a stack trace) on a path through a file, `a.txt/x`.
if (!existsSync(args.root) || !statSync(args.root).isDirectory()) {
  usageError(`--root '${args.root}' is not a folder`, usage);
}

// 1. Create the socket (创建套接字). allowHalfOpen: when the client closes its side after the
//    name, ours stays open to send the file.
const server = net.createServer({ allowHalfOpen: true });
server.on('error', (err) => fail(err, args.host, args.port));
// The downloads still under way, so that stopping the server can cut them with a reset.
const sending = new Map<net.Socket, string>();

// 2. Bind and 3. listen (绑定、监听).
server.listen({ host: args.host, port: args.port, backlog: 128 }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`); // e.g. listening on 127.0.0.1:7890
});

// 4. Accept (等待客户端的链接): one connection per download.
server.on('connection', async (client) => {
  const peer = hostPort(client.remoteAddress, client.remotePort);
  console.log(`${peer} connected`);
  let fileSize = -1; // known once the file is found
  // A client that closes or resets mid-file makes the next write fail (EPIPE, ECONNRESET): the
  // log says how far the file got, not Node's error code.
  client.on('error', () => {
    const sent = fileSize < 0 ? '' : ` after ${client.bytesWritten} of ${fileSize} bytes`;
    console.log(`${peer} went away${sent}`);
  });
  client.on('close', () => {
    sending.delete(client);
    console.log(`${peer} disconnected`);
  });
  try {
    // 5. Receive the file name (接收要下载的文件名).
    // Pitfall: the article takes one recv(1024) as the name. A name has no end marker, so we
    //    take every byte until the client closes its side (our client) or pauses (the article's).
    const request = await readUntilPause(client);
    if (request === null) {
      client.end(); // the client closed without a name
      return;
    }
    // `echo hello.txt | nc` sends `hello.txt\n`: one line ending is not part of the name.
    const name = request.toString('utf8').replace(/\r?\n$/, '');
    const shown = quoted(name);
    console.log(`${peer} wants: ${shown}`);

    // 6. Open the file (读取文件数据), but only inside --root.
    // Pitfall: the article opens whatever path it is sent, so '../../etc/passwd' works.
    const file = await resolveInside(args.root, name);
    const info = await stat(file);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    fileSize = info.size;

    // 7. Send the file (发送文件的数据给客户端), streamed, 1 MiB at a time: the default 64 KiB
    //    takes 16 times as many reads and writes, and a transfer spends its time on those calls.
    //    A chunk or two is in memory at most: pipeline() waits for 'drain' whenever the client
    //    reads slower than the disk.
    // Pitfall: the article reads the whole file with f.read() and calls send() once, which may
    //    send only part of it. pipeline() sends it all, then closes our side (FIN).
    sending.set(client, peer);
    client.once('finish', () => {
      sending.delete(client); // every byte and our FIN are with the OS: the download is whole
      console.log(`${peer} sent ${shown} (${client.bytesWritten} bytes)`);
    });
    await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), client);
  } catch (err) {
    // A client that went away has been logged by the 'error' handler.
    const { code, message } = err as NodeJS.ErrnoException;
    if (code === 'ENOENT') console.log(`${peer} no such file; sent nothing`);
    else if (code === 'EOUTSIDEROOT') console.log(`${peer} ${message}; sent nothing`);
    else if (!client.errored) console.log(`${peer} could not send: ${message}`);
    // 8. Close this client's socket (关闭套接字), with nothing sent, as in the article.
    client.end();
  }
});

// 9. Close the listening socket (关闭监听套接字) on Ctrl+C or SIGTERM.
// Pitfall: a process that quits mid-file, as the article's does on Ctrl+C, ends the connection
//    with a FIN, the very signal that says "that was the whole file", and the client keeps a cut
//    copy. A download still under way is reset (RST) instead, so the client knows it was cut.
onShutdown(() => {
  server.close();
  for (const [client, peer] of sending) {
    console.log(`${peer} reset: the server stopped before the file was all sent`);
    client.resetAndDestroy();
  }
});

/**
 * The name as the log shows it: in quotes, with control characters written out (\n, \u0000), so
 * a stray space or newline shows, and no name can add a line of its own to the log.
 */
function quoted(name: string): string {
  const visible = name.replace(/\p{Cc}/gu, (char) => JSON.stringify(char).slice(1, -1));
  return `'${visible}'`;
}
