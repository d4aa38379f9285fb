/**
 * @title WebSocket chat client (WebSocket 聊天客户端)
 * @article 003 "四、使用 epoll 实现即时聊天"
 * @run node lessons/12-websocket-chat/client.ts [--port 8080]
 * @run npx tsx lessons/12-websocket-chat/client.ts [--port 8080]
 * @run deno run --allow-net lessons/12-websocket-chat/client.ts [--port 8080]
 * @run bun lessons/12-websocket-chat/client.ts [--port 8080]
 *
 * What the browser's `new WebSocket('ws://127.0.0.1:8080/chat')` does, by hand on node:net:
 * the handshake, then every line you type as a masked text frame, and every message that
 * comes printed. `/quit` or the end of input (Ctrl+D, or Ctrl+Z then Enter) closes with 1000.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { exitWith, fail, hostPort, parseCli, stdinLines } from '../../shared/helpers.ts';
import { acceptKey, type Head, readHead } from './handshake.ts';
import { webSocket } from './websocket.ts';

const args = parseCli('client.ts [--host 127.0.0.1] [--port 8080]', 8080, {});

// 1. Create the socket and connect (socket, connect), as a browser does for ws://…/chat.
const socket = net.connect({ host: args.host, port: args.port });
let ws: ReturnType<typeof webSocket> | undefined; // once the handshake has succeeded
// After the closing handshake a reset loses nothing: a server that exits at once answers our
// echo of its close frame with one.
socket.on('error', (err) => ws?.over() || fail(err, args.host, args.port));
socket.on('close', () => {
  if (!ws) exitWith(1, 'error: the server closed the connection before the handshake');
});

// 2. Ask to switch protocols: a GET with `Upgrade: websocket` and a fresh random key.
const key = randomBytes(16).toString('base64');
const request = [
  'GET /chat HTTP/1.1',
  `Host: ${hostPort(args.host, args.port)}`,
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Key: ${key}`,
  'Sec-WebSocket-Version: 13',
];
socket.write(`${request.join('\r\n')}\r\n\r\n`);

// 3. The answer must be 101 with the right Sec-WebSocket-Accept: base64(SHA-1(key + GUID)).
//    An HTTP server that knows nothing of WebSocket, or a cache, cannot make it up.
const [head, rest] = await new Promise<[Head | number, Buffer]>((resolve) => {
  readHead(socket, (...answer) => resolve(answer));
});
const status = typeof head === 'number' ? `a bad answer (${head})` : head.start;
if (typeof head === 'number' || !/^HTTP\/1\.1 101 /.test(head.start)) {
  exitWith(1, `error: the server did not switch to WebSocket: ${status}`);
} else if (head.fields.get('sec-websocket-accept') !== acceptKey(key)) {
  exitWith(1, 'error: the server answered 101 with the wrong Sec-WebSocket-Accept');
} else if (!/\bwebsocket\b/i.test(head.fields.get('upgrade') ?? '')) {
  exitWith(1, 'error: the server answered 101 without Upgrade: websocket');
} else {
  chat(rest);
}

/** Steps 4 and 5: print what comes, send what you type, close when you are done. */
async function chat(early: Buffer) {
  // 4. Each message that comes is printed as it arrives, even while we wait for you to type.
  let leaving = false; // set once we close: the close that follows is ours
  ws = webSocket(socket, { server: false, maxMessage: 1024 * 1024, onText, onClose }, early);
  function onText(text: string) {
    console.log(text);
  }
  function onClose(code: number, reason: string) {
    const how = `${code}${reason ? `: ${reason}` : ''}`;
    if (code !== 1000 && code !== 1001) {
      exitWith(1, `error: the connection closed (${how})`);
      return;
    }
    if (!leaving) console.log(`the server closed the connection (${how})`);
    process.stdout.write('', () => process.exit(0));
  }

  // 5. Each line you type goes out as one text frame, masked. Backpressure: if the server is
  //    not reading, wait until our send buffer drains. At the end of input: close code 1000,
  //    then the server closes the TCP connection, and we exit.
  for await (const line of stdinLines('/quit')) {
    if (!ws.send(line)) await once(socket, 'drain');
  }
  leaving = true;
  ws.close(1000);
}
