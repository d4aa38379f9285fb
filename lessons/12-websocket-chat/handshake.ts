/**
 * @title The opening handshake (WebSocket 握手)
 * @article 004 "4. 自定义简单的静态服务器"
 * @imported-by server.ts, client.ts
 * @run node lessons/12-websocket-chat/server.ts [--port 8080]
 * @run npx tsx lessons/12-websocket-chat/server.ts [--port 8080]
 * @run deno run --allow-net --allow-read lessons/12-websocket-chat/server.ts [--port 8080]
 * @run bun lessons/12-websocket-chat/server.ts [--port 8080]
 *
 * Every WebSocket begins as an HTTP/1.1 request (lesson 09), imported by server.ts and
 * client.ts: one head read off the socket however it is split, the checks a server makes
 * before it agrees to switch protocols, and the key it answers with.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';

/** Fixed by RFC 6455: what the server appends to the client's key before hashing it. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** The longest head we wait for; more gets 431. */
const MAX_HEAD = 8 * 1024;

/**
 * Read one head (a request or a response) off the socket, up to its blank line, however many
 * reads it takes; then call `onHead` once with it, or with the error status to answer (400,
 * 431), and with the bytes that came after it: the first frames may be in the same read.
 */
export function readHead(socket: Socket, onHead: (head: Head | number, rest: Buffer) => void) {
  let buffered = Buffer.alloc(0);
  socket.on('data', onData);

  function onData(chunk: Buffer) {
    // 1. Gather reads until the blank line; a head that grows past MAX_HEAD is refused.
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf('\r\n\r\n');
    if (end < 0 && buffered.length <= MAX_HEAD) return; // wait for the next read
    socket.off('data', onData); // from here on the bytes are the caller's (frames)
    if (end < 0 || end > MAX_HEAD) return onHead(431, Buffer.alloc(0));

    // 2. The first line (request line, or status line), then `Name: value` fields. Names are
    //    case-insensitive: kept in lower case. A repeated field's values are joined with ", ".
    const [start, ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
    const fields = new Map<string, string>();
    for (const line of lines) {
      const field = /^([\w!#$%&'*+.^`|~-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
      if (!field) return onHead(400, Buffer.alloc(0));
      const name = field[1].toLowerCase();
      fields.set(name, fields.has(name) ? `${fields.get(name)}, ${field[2]}` : field[2]);
    }
    onHead({ start, fields }, buffered.subarray(end + 4));
  }
}

/**
 * What a server must check before it answers 101 (step 3): a number is the status to refuse
 * with, else the accept key to answer with.
 */
export function checkUpgrade(head: Head): number | string {
  // 3. A WebSocket handshake is a GET over HTTP/1.1, with Host, `Upgrade: websocket`,
  //    `Connection: Upgrade` and a key of 16 random bytes in base64. No Upgrade at all: 426,
  //    this address speaks only WebSocket. Another version than 13: 426 too, and the answer
  //    says which one we speak (server.ts adds Sec-WebSocket-Version: 13).
  const field = (name: string) => head.fields.get(name) ?? '';
  if (!/\bwebsocket\b/i.test(field('upgrade'))) return 426;
  if (!/ HTTP\/1\.1$/.test(head.start) || !head.fields.has('host')) return 400;
  if (!/(^|,)\s*upgrade\s*(,|$)/i.test(field('connection'))) return 400;
  const key = field('sec-websocket-key');
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) return 400; // 16 bytes are 24 base64 characters
  if (field('sec-websocket-version') !== '13') return 426;

  // 4. Cross-site WebSocket hijacking: any web page may open ws://127.0.0.1:8080/chat from a
  //    visitor's browser, which says where the page came from in Origin. Only our own page
  //    (the same host and port as the request) may join. Programs send no Origin.
  const origin = head.fields.get('origin');
  if (origin !== undefined && originHost(origin) !== field('host').toLowerCase()) return 403;
  return acceptKey(key);
}

/**
 * Sec-WebSocket-Accept: base64(SHA-1(key + GUID)). The client checks it (client.ts, step 3): it
 * proves that the answer was made for this request by a server that speaks WebSocket.
 */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** The bytes of an HTTP answer that ends the connection: a plain-text body unless one is given. */
export function httpAnswer(status: number, fields: string[], body?: Buffer): Buffer {
  const text = Buffer.from(`${status} ${REASONS[status]}\n`);
  const type = body ? [] : ['Content-Type: text/plain; charset=utf-8'];
  const head = [`HTTP/1.1 ${status} ${REASONS[status]}`, ...type, ...fields];
  head.push(`Content-Length: ${(body ?? text).length}`, 'Connection: close');
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? text]);
}

/** The reason phrase after each status code the lesson answers with. */
export const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  426: 'Upgrade Required',
  431: 'Request Header Fields Too Large',
};

/** `http://127.0.0.1:8080` → `127.0.0.1:8080`; anything unreadable matches no host. */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/** A head: its first line, and its fields by lower-case name. */
export interface Head {
  start: string;
  fields: Map<string, string>;
}
