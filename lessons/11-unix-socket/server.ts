/**
 * @title Local socket echo server (本地套接字 AF_UNIX 服务器)
 * @article 002 "2-2-1-1-语法01"; 000 "创建socket"; 001 "参数说明"
 * @run node lessons/11-unix-socket/server.ts [--path PATH] [--quiet]
 * @run npx tsx lessons/11-unix-socket/server.ts [--path PATH] [--quiet]
 * @run deno run --allow-net --allow-read --allow-write --allow-env=TMPDIR,TMP,TEMP --allow-sys=uid lessons/11-unix-socket/server.ts [--path PATH] [--quiet]
 * @run bun lessons/11-unix-socket/server.ts [--path PATH] [--quiet]
 *
 * Lesson 04's upper-case echo, listening on a path instead of a port: an AF_UNIX socket on
 * Linux and macOS, a named pipe on Windows. Only programs on this machine can reach it.
 */
import { chmodSync } from 'node:fs';
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { exitWith, onShutdown } from '../../shared/helpers.ts';
import { explainLocal, parseLocalCli } from './local.ts';
import { prepare } from './stale.ts';

const args = parseLocalCli('server.ts [--path PATH] [--quiet]', true);
const at = args.path;

// 1. Create the socket (socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)).
const server = net.createServer();
server.on('error', (err) => exitWith(1, `error: ${explainLocal(err, at)}`));

// 2. Bind and listen (bind("/tmp/…/echo.sock"), listen()): the address is a path, and bind
//    creates a file there. First make sure the path is free: a crashed server leaves its file
//    behind, and bind fails on any file that exists (stale.ts: prepare).
const problem = await prepare(at);
if (problem) exitWith(1, `error: ${problem}`);
else {
  server.listen({ path: at }, () => {
    // Who may connect: on Linux and macOS, connect() needs write permission on the file. Only
    // its owner gets that now (0600); the default folder is this user's alone (0700) too.
    if (process.platform !== 'win32') chmodSync(at, 0o600);
    console.log(`listening on ${at}`);
  });
}

// 3. Accept (accept): one 'connection' for every client. A local client has no address and no
//    port to log, so each one gets a number.
let clients = 0;
server.on('connection', (conn) => {
  const who = `client ${++clients}`;
  const decoder = new StringDecoder('utf8'); // only for the log line
  console.log(`${who} connected`);

  // 4. Receive (recv) and send back upper-cased (send(data.upper())), as lesson 04 does. The
  //    log shows one read: its last newline dropped, any other as \n.
  conn.on('data', (chunk) => {
    const text = decoder.write(chunk).replace(/\n$/, '').replaceAll('\n', '\\n');
    if (!args.quiet) console.log(`${who} sent: ${text}`);
    // Backpressure, as over TCP: stop reading from a client that does not read its answers.
    if (!conn.write(upper(chunk))) conn.pause();
  });
  conn.on('drain', () => conn.resume());

  // 5. The client closed (recv() returned b''): Node emits 'end', then 'close'.
  conn.on('error', (err) => console.log(`${who} error: ${err.message}`));
  conn.on('close', () => console.log(`${who} disconnected`));
});

// 6. Close (server.close()): on Ctrl+C or SIGTERM. Closing also removes the socket file, so the
//    next server finds the path free. Only a crash leaves it behind (step 2 deals with that).
onShutdown(() => server.close());

/** Like Python's bytes.upper(): only a-z change, byte for byte, so UTF-8 comes back intact. */
function upper(bytes: Buffer): Uint8Array {
  return bytes.map((byte) => {
    const isLowercase = byte >= 0x61 && byte <= 0x7a; // 'a' to 'z'
    return isLowercase ? byte - 32 : byte; // 'a' - 32 is 'A'
  });
}
