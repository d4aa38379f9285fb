/**
 * @title Chat server on the event loop (epoll 即时聊天服务器)
 * @article 003 "四、使用 epoll 实现即时聊天"
 * @run node lessons/08-chat/server.ts [--port 8080] [--backlog 10]
 * @run npx tsx lessons/08-chat/server.ts [--port 8080] [--backlog 10]
 * @run deno run --allow-net lessons/08-chat/server.ts [--port 8080] [--backlog 10]
 * @run bun lessons/08-chat/server.ts [--port 8080] [--backlog 10]
 *
 * Any number of clients: each line a client sends is printed here and relayed to the others,
 * and each line typed into this server goes to every client. Node's event loop is the epoll loop.
 */
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fail, hostPort, onShutdown, parseCli, usageError } from '../../shared/helpers.ts';
import { readLines } from './lines.ts';

const usage = 'server.ts [--host 127.0.0.1] [--port 8080] [--backlog 10]';
const args = parseCli(usage, 8080, { backlog: { type: 'string', default: '10' } });
const backlog = Number(args.backlog);
if (!(backlog >= 1 && Number.isInteger(backlog))) {
  usageError(`invalid backlog '${args.backlog}'`, usage);
}

// 1. Create the socket, bind and listen (socket, bind, listen(10)). Node sets SO_REUSEADDR
//    (on Linux and macOS; Windows needs none to restart while old connections are in TIME_WAIT).
//    The backlog is how many finished handshakes may wait for accept(); see the README.
const server = net.createServer();
server.on('error', (err) => fail(err, args.host, args.port));
server.listen({ host: args.host, port: args.port, backlog }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`);
});

// 2. Create the epoll object (select.epoll()): nothing to do. Node's event loop is one, and
//    `while True: epoll.poll(-1)` is the loop Node runs once this file has been read.
// Pitfall: the article keeps one `client_socket` variable. A second client replaces the first,
//    whose socket object Python then frees, and that closes it. We keep every client.
const clients = new Map<net.Socket, string>(); // each client's socket, and its address for the log

// 3. Register the listening socket for EPOLLIN (epoll.register(sock.fileno(), ...)): in Node,
//    a readable listening socket is the 'connection' event, with accept() already done.
server.on('connection', (client) => {
  const peer = hostPort(client.remoteAddress, client.remotePort);
  console.log(`${peer} connected`);
  send(client, `welcome ${peer}, ${clients.size + 1} online`);
  broadcast(`${peer} joined`);
  clients.set(client, peer);

  // 4. Register the new client's socket for EPOLLIN: each readable event is a 'data' event,
  //    and readLines turns the byte stream into lines.
  readLines(client, (line) => {
    console.log(`${peer}: ${shown(line)}`);
    broadcast(`${peer}: ${line}`, client);
  });

  // 5. recv() returned b'' (EPOLLIN with nothing to read), or the peer reset the connection
  //    (EPOLLHUP/EPOLLERR): unregister and close. Node emits 'close' for all of them.
  client.on('error', (err) => console.log(`${peer} error: ${err.message}`));
  client.on('close', () => {
    clients.delete(client);
    console.log(`${peer} disconnected`);
    broadcast(`${peer} left`);
  });
});

// 6. Register stdin for EPOLLIN (epoll.register(sys.stdin.fileno(), ...)): each line typed
//    here goes to every client (readTyped, below).
// Pitfall: the article sends to `client_socket`, which does not exist until a client has
//    connected, so a line typed too early crashes the server (UnboundLocalError).
// Pitfall: a server started in the background (`server.ts &`) that reads the terminal is
//    stopped by it (SIGTTIN, "Stopped (tty input)"), and every client hangs. So the terminal is
//    read only by a server started in the foreground.
if (inForeground()) {
  readTyped();
} else {
  console.log('(started in the background: what you type here reaches no client)');
}

// 7. Close (epoll.unregister, close): on Ctrl+C or SIGTERM, say goodbye to every client.
onShutdown(() => {
  server.close();
  for (const client of clients.keys()) {
    client.end();
  }
});

/** A client that has this much of our output unread is too slow to keep. */
const MAX_UNSENT = 1024 * 1024;

/** Send one line to one client, and drop the client if it has stopped reading. */
function send(client: net.Socket, line: string) {
  if (!client.writable) return; // ended or dropped, and about to close
  // Backpressure: one client that never reads must not make the server buffer without end.
  client.write(`${line}\n`);
  if (client.writableLength > MAX_UNSENT) {
    console.log(`${clients.get(client)} is not reading; dropped`);
    client.destroy();
  }
}

/** Send one line to every client, except the one it came from. */
function broadcast(line: string, except?: net.Socket) {
  for (const client of clients.keys()) {
    if (client !== except) send(client, line);
  }
}

/** Each line typed here goes to every client; with no client, a note says nobody got it. */
function readTyped() {
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === '\x04' || line === '\x1a') return; // Ctrl+D, Ctrl+Z Enter (Windows): not text
    if (clients.size === 0) {
      console.log('(no client is connected; nobody got that line)');
    } else {
      broadcast(`server: ${line}`);
      const count = clients.size === 1 ? '1 client' : `${clients.size} clients`;
      console.log(`server: ${line} (sent to ${count})`);
    }
  });
}

/** The log shows the start of a long line, not a second copy of it. */
function shown(line: string): string {
  if (line.length <= 200) return line;
  return `${line.slice(0, 200)}… (${line.length})`;
}

/** Is this process in its terminal's foreground? `ps` marks that with a `+` in its state. */
function inForeground(): boolean {
  if (!process.stdin.isTTY || process.platform === 'win32') return true;
  if ('deno' in process.versions) return true; // Deno would stop to ask leave to run ps
  const ps = spawnSync('ps', ['-o', 'stat=', '-p', String(process.pid)], { encoding: 'utf8' });
  return ps.status !== 0 || ps.stdout.includes('+');
}
