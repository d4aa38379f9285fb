/**
 * @title WebSocket chat server (WebSocket 聊天服务器)
 * @article 003 "四、使用 epoll 实现即时聊天"
 * @run node lessons/12-websocket-chat/server.ts [--port 8080]
 * @run npx tsx lessons/12-websocket-chat/server.ts [--port 8080]
 * @run deno run --allow-net --allow-read lessons/12-websocket-chat/server.ts [--port 8080]
 * @run bun lessons/12-websocket-chat/server.ts [--port 8080]
 *
 * Lesson 08's chat, in a browser: open http://127.0.0.1:8080/ in two tabs and talk. An HTTP
 * server on node:net serves the page and upgrades /chat to a WebSocket written by hand
 * (handshake.ts, websocket.ts, frames.ts); each message is relayed to everyone else.
 */
import { readFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import { fail, hostPort, onShutdown, parseCli } from '../../shared/helpers.ts';
import { encodeFrame, OP } from './frames.ts';
import { checkUpgrade, type Head, httpAnswer, REASONS, readHead } from './handshake.ts';
import { webSocket } from './websocket.ts';

const args = parseCli('server.ts [--host 127.0.0.1] [--port 8080]', 8080, {});
const page = template('chat.html');
/** The longest message we take (close code 1009 above it), as 08 caps a line. */
const MAX_MESSAGE = 64 * 1024;
/** A member who has this much of our output unread is too slow to keep (08's rule). */
const MAX_UNSENT = 1024 * 1024;

// 1. Create the socket, bind and listen: an HTTP server on node:net, as in lesson 09.
const server = net.createServer();
server.on('error', (err) => fail(err, args.host, args.port));
server.listen({ host: args.host, port: args.port, backlog: 128 }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`);
});

// 2. The chat's members, as 08's `clients`: each open WebSocket, by its socket.
const members = new Map<net.Socket, Member>();

// 3. Accept each connection and read one request head (handshake.ts), within 10 s. The
//    connection goes to route(), below, where the story goes on at step 5.
server.on('connection', (socket) => {
  const peer = hostPort(socket.remoteAddress, socket.remotePort);
  socket.on('error', (err) => console.log(`${peer} error: ${err.message}`));
  // A head that never comes (slowloris), or a client that never closes after our answer.
  socket.setTimeout(10_000, () => socket.destroy());
  readHead(socket, (head, rest) => route(socket, peer, head, rest));
});

// 4. Stop (Ctrl+C, SIGTERM): close code 1001, "going away", to every member.
onShutdown(() => {
  server.close();
  for (const member of members.values()) member.ws.close(1001, 'server shutting down');
});

function route(socket: net.Socket, peer: string, head: Head | number, rest: Buffer) {
  // 5. The page at /, the chat at /chat; anything else is an HTTP error, then a close.
  if (typeof head === 'number') return answer(socket, `${peer} `, head);
  const line = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(head.start);
  if (!line) return answer(socket, `${peer} `, 400);
  const what = `${peer} ${line[1]} ${line[2]} `;
  const path = line[2].split('?')[0];
  if (line[1] !== 'GET') return answer(socket, what, 405, ['Allow: GET']);
  if (path === '/') return answer(socket, what, 200, ['Content-Type: text/html; charset=utf-8']);
  if (path !== '/chat') return answer(socket, what, 404);
  const accept = checkUpgrade(head);
  const upgrade = ['Upgrade: websocket', 'Sec-WebSocket-Version: 13']; // what we speak
  if (accept === 426) return answer(socket, what, 426, upgrade);
  if (typeof accept === 'number') return answer(socket, what, accept);

  // 6. Switching protocols: 101, and the accept key. From the next byte on, it is frames.
  console.log(`${what}-> 101 Switching Protocols`);
  socket.setTimeout(0); // a chat may stay quiet for as long as it likes
  const fields = ['Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`];
  socket.write(`HTTP/1.1 101 Switching Protocols\r\n${fields.join('\r\n')}\r\n\r\n`);

  // 7. A new member: welcome them and tell the others, as 08 does. Messages from them go to
  //    everyone else (the page shows your own as you send it).
  const ws = webSocket(socket, { server: true, maxMessage: MAX_MESSAGE, onText, onClose }, rest);
  const member = { peer, ws };
  const welcome = `welcome ${peer}, ${members.size + 1} online`;
  deliver(socket, member, encodeFrame(OP.text, Buffer.from(welcome), false));
  broadcast(`${peer} joined`);
  members.set(socket, member);
  function onText(text: string) {
    console.log(`${peer}: ${text.length > 200 ? `${text.slice(0, 200)}… (${text.length})` : text}`);
    broadcast(`${peer}: ${text}`, socket);
  }

  // 8. The connection closed, with a close frame or without (1006): the member leaves.
  function onClose(code: number, reason: string) {
    members.delete(socket);
    console.log(`${peer} disconnected (${code}${reason ? `: ${reason}` : ''})`);
    broadcast(`${peer} left`);
  }
}

/** Send one message (a frame's bytes) to one member, and drop a member that has stopped reading. */
function deliver(socket: net.Socket, member: Member, frame: Buffer) {
  member.ws.write(frame);
  // Backpressure: one member that never reads must not make the server buffer without end.
  if (socket.writableLength > MAX_UNSENT) {
    console.log(`${member.peer} is not reading; dropped`);
    socket.destroy();
  }
}

/**
 * Send one message to every member, except the one it came from. A server's frames are not
 * masked, so the bytes are the same for everyone: encoded once, written to each.
 */
function broadcast(text: string, except?: net.Socket) {
  let frame: Buffer | undefined; // encoded for the first member who gets it
  for (const [socket, member] of members) {
    if (socket === except) continue;
    frame ??= encodeFrame(OP.text, Buffer.from(text), false);
    deliver(socket, member, frame);
  }
}

/** An HTTP answer with its status (handshake.ts builds it), then a close; the page for 200. */
function answer(socket: net.Socket, what: string, status: number, fields: string[] = []) {
  console.log(`${what}-> ${status} ${REASONS[status]}`);
  socket.end(httpAnswer(status, fields, status === 200 ? page : undefined));
}

/** The page, read once from beside this file; without it the server cannot serve. */
function template(name: string): Buffer {
  try {
    return readFileSync(new URL(name, import.meta.url));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    writeSync(2, `error: cannot read ${name} beside server.ts (${code})\n`);
    process.exit(1);
  }
}

/** A member of the chat: its address, for the log and the messages, and its WebSocket. */
type Member = { peer: string; ws: ReturnType<typeof webSocket> };
