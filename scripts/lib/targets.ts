// Every server in the collection, with what a normal client does with it (the probe). The
// robustness tests and the fuzzer throw bad input at each one, then check that the probe still
// gets the right answer. A new lesson's server joins by adding an entry here.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { makeCertificates } from '../demos/13-tls.ts';
import { type Address, connect, datagram, PATIENCE, readAll, readUntil, within } from './peer.ts';
import { freshLocalPath, type Proc } from './proc.ts';

export interface Target {
  lesson: string;
  /** The server file, relative to the repo root. */
  file: string;
  /** 'unix': a local socket (lesson 11), at the path its setup() gives; a stream, as TCP is. */
  transport: 'tcp' | 'udp' | 'unix';
  /** Extra server arguments, a folder to run in, and anything to prepare first. */
  setup?: () => Promise<Prepared>;
  /**
   * A normal client's exchange; throws if the answer is wrong. It is given the server's port;
   * a 'unix' target's probe is given the path instead, and says so: `probe(to: Address, …)`.
   */
  probe: (port: number, server: Proc, id: number) => Promise<void>;
  /** A request that is valid for this protocol (sent before a reset or a half-close). */
  request: Buffer;
  /** Start an exchange whose answer is large, on a socket that will then never read. */
  bigReply?: (socket: net.Socket) => Promise<void> | void;
}

export interface Prepared {
  args: string[];
  cwd?: string;
  /** A 'unix' target's path, where its server listens (--path). */
  path?: string;
  cleanup: () => void;
}

/** The small file every file server offers, and a large one for slow readers. */
export const HELLO = 'hello 你好\n'.repeat(100);
const BIG = 256 * 1024 * 1024;

/** A scratch folder with root/hello.txt, root/big.bin (sparse, 256 MiB) and secret.txt beside it. */
export function fileRoot(): Prepared & { base: string; root: string } {
  const base = mkdtempSync(path.join(tmpdir(), 'socket-lessons-serve-'));
  const root = path.join(base, 'root');
  mkdirSync(root);
  writeFileSync(path.join(root, 'hello.txt'), HELLO);
  writeFileSync(path.join(root, 'big.bin'), '');
  truncateSync(path.join(root, 'big.bin'), BIG); // sparse: no disk used, reads give zeros
  writeFileSync(path.join(base, 'secret.txt'), 'TOP SECRET: outside the served folder\n');
  return {
    base,
    root,
    args: ['--root', root],
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

export const targets: Target[] = [
  {
    lesson: '01-udp-send',
    file: 'lessons/01-udp-send/server.ts',
    transport: 'udp',
    request: Buffer.from('hahaha'),
    async probe(port, server, id) {
      const from = server.out.length;
      await datagram(port, `probe ${id} 你好`);
      await server.waitFor(new RegExp(`sent: probe ${id} 你好$`), from);
    },
  },
  {
    lesson: '02-udp-echo',
    file: 'lessons/02-udp-echo/server.ts',
    transport: 'udp',
    request: Buffer.from('nice to meet you too'),
    async probe(port) {
      const reply = await within(
        PATIENCE,
        '02 probe',
        datagram(port, 'nice to meet you too', true),
      );
      assert.equal(reply?.toString(), 'nice to meet you');
    },
  },
  {
    lesson: '03-tcp-hello',
    file: 'lessons/03-tcp-hello/server.ts',
    transport: 'tcp',
    request: Buffer.from('Hello'),
    async probe(port, server, id) {
      const socket = await connect(port);
      const everything = readAll(socket);
      socket.end(`Hello ${id}`);
      assert.equal((await within(PATIENCE, '03 probe', everything)).toString(), '你好');
      await server.waitFor(new RegExp(`sent: Hello ${id}$`));
    },
  },
  {
    lesson: '03-tcp-hello (server-004.ts)',
    file: 'lessons/03-tcp-hello/server-004.ts',
    transport: 'tcp',
    request: Buffer.from('Hello Server'),
    async probe(port, server, id) {
      const socket = await connect(port);
      const everything = readAll(socket);
      socket.end(`Hello Server ${id}`);
      const answer = (await within(PATIENCE, '03 (004) probe', everything)).toString();
      assert.match(answer, /^已收到您\(\('127\.0\.0\.1', \d+\)\)的请求,本次连接将关闭$/);
      await server.waitFor(new RegExp(`: Hello Server ${id}$`));
    },
  },
  {
    lesson: '04-tcp-echo',
    file: 'lessons/04-tcp-echo/server.ts',
    transport: 'tcp',
    request: Buffer.from('hello'),
    async probe(port, _server, id) {
      const socket = await connect(port);
      const message = Buffer.from(`probe ${id} 你好`);
      const reply = readUntil(socket, (got) => got.length >= message.length);
      socket.write(message);
      assert.equal((await within(PATIENCE, '04 probe', reply)).toString(), `PROBE ${id} 你好`);
      socket.end();
    },
    bigReply(socket) {
      // Everything sent comes back: send a lot and never read the echo.
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      for (let i = 0; i < 64; i++) socket.write(chunk);
    },
  },
  {
    lesson: '04-tcp-echo (server-000.ts)',
    file: 'lessons/04-tcp-echo/server-000.ts',
    transport: 'tcp',
    request: Buffer.from('hello'),
    async probe(port, server, id) {
      // Two messages on one connection (示例2), each answered hahahah; then our FIN ends it.
      const socket = await connect(port);
      const closed = readAll(socket);
      for (const round of [1, 2]) {
        const from = server.out.length;
        const reply = readUntil(socket, (got) => got.length >= 7);
        socket.write(`probe ${id}.${round} 你好`);
        assert.equal((await within(PATIENCE, '04 (000) probe', reply)).toString(), 'hahahah');
        await server.waitFor(new RegExp(`sent: probe ${id}\\.${round} 你好$`), from);
      }
      socket.end();
      await within(PATIENCE, '04 (000) probe: close', closed);
    },
  },
  {
    lesson: '04-tcp-echo (server-000.ts --once)',
    file: 'lessons/04-tcp-echo/server-000.ts',
    transport: 'tcp',
    setup: async () => ({ args: ['--once'], cleanup: () => {} }),
    request: Buffer.from('hello'),
    async probe(port, server, id) {
      // One message, then the server closes (示例1), even though we never close first.
      const socket = await connect(port);
      const everything = readAll(socket);
      socket.write(`probe ${id} 你好`);
      assert.equal(
        (await within(PATIENCE, '04 (000 --once) probe', everything)).toString(),
        'hahahah',
      );
      await server.waitFor(new RegExp(`sent: probe ${id} 你好$`));
    },
  },
  {
    lesson: '04-tcp-echo (server-002.ts)',
    file: 'lessons/04-tcp-echo/server-002.ts',
    transport: 'tcp',
    request: Buffer.from('Hello, server!'),
    async probe(port, _server, id) {
      const socket = await connect(port);
      const message = `probe ${id} 你好`;
      const echo = readUntil(socket, (got) => got.length >= Buffer.byteLength(message));
      socket.write(message);
      assert.equal((await within(PATIENCE, '04 (002) probe: echo', echo)).toString(), message);
      // Our FIN (a half-close): the server answers with its farewell, then closes.
      const rest = readAll(socket);
      socket.end();
      const farewell = (await within(PATIENCE, '04 (002) probe: farewell', rest)).toString();
      assert.equal(farewell, 'Hello, client!');
    },
    bigReply(socket) {
      // Everything sent comes back: send a lot and never read the echo.
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      for (let i = 0; i < 64; i++) socket.write(chunk);
    },
  },
  {
    lesson: '05-file-download',
    file: 'lessons/05-file-download/server.ts',
    transport: 'tcp',
    setup: async () => fileRoot(),
    request: Buffer.from('hello.txt'),
    async probe(port) {
      const socket = await connect(port);
      const everything = readAll(socket);
      socket.end('hello.txt'); // the name, then our FIN: the name is complete
      assert.equal((await within(PATIENCE, '05 probe', everything)).toString(), HELLO);
    },
    bigReply: (socket) => void socket.end('big.bin'),
  },
  {
    lesson: '06-remote-shell',
    file: 'lessons/06-remote-shell/server.ts',
    transport: 'tcp',
    // Bad input becomes shell commands here: run them in a scratch folder, briefly.
    setup: async () => {
      const scratch = mkdtempSync(path.join(tmpdir(), 'socket-lessons-shell-'));
      return {
        args: ['--timeout', '2'],
        cwd: scratch,
        cleanup: () => rmSync(scratch, { recursive: true, force: true }),
      };
    },
    request: Buffer.from('echo hello'),
    async probe(port, _server, id) {
      const socket = await connect(port);
      const expected = `probe ${id} 你好\n`;
      const sizeText = String(Buffer.byteLength(expected));
      const size = readUntil(socket, (got) => got.toString() === sizeText);
      socket.write(`echo probe ${id} 你好`);
      await within(PATIENCE, '06 probe: size', size);
      const output = readUntil(socket, (got) => got.length >= Buffer.byteLength(expected));
      socket.write('准备接受');
      assert.equal((await within(PATIENCE, '06 probe: output', output)).toString(), expected);
      socket.end();
    },
    async bigReply(socket) {
      // 8 MB of output: the server holds it (its length goes first) but must not copy it again.
      const size = readUntil(socket, (got) => got.toString() === '8000000');
      socket.write('head -c 8000000 /dev/zero');
      await within(PATIENCE, '06 big answer: size', size);
      socket.write('准备接受');
    },
  },
  {
    lesson: '07-ftp-get',
    file: 'lessons/07-ftp-get/server.ts',
    transport: 'tcp',
    setup: async () => fileRoot(),
    request: Buffer.from('get hello.txt'),
    async probe(port) {
      const socket = await connect(port);
      const length = Buffer.byteLength(HELLO);
      const size = readUntil(socket, (got) => got.toString() === String(length));
      socket.write('get hello.txt');
      await within(PATIENCE, '07 probe: size', size);
      const rest = readUntil(socket, (got) => got.length >= length + 32);
      socket.write('ready to recv file');
      const got = await within(PATIENCE, '07 probe: file and md5', rest);
      assert.equal(got.subarray(0, length).toString(), HELLO);
      assert.equal(got.subarray(length).toString(), createHash('md5').update(HELLO).digest('hex'));
      socket.end();
    },
    async bigReply(socket) {
      const size = readUntil(socket, (got) => got.toString() === String(BIG));
      socket.write('get big.bin');
      await within(PATIENCE, '07 big answer: size', size);
      socket.write('ready to recv file');
    },
  },
  {
    lesson: '08-chat',
    file: 'lessons/08-chat/server.ts',
    transport: 'tcp',
    // 200 probes are 400 clients at once: more than the article's backlog of 10 (see its README).
    setup: async () => ({ args: ['--backlog', '1024'], cleanup: () => {} }),
    request: Buffer.from('hello 你好\n'),
    async probe(port, _server, id) {
      const listener = await connect(port);
      const welcome = readUntil(listener, (got) => got.includes('online\n'));
      await within(PATIENCE, '08 probe: welcome', welcome);
      const speaker = await connect(port);
      const line = `127.0.0.1:${speaker.localPort}: probe ${id} 你好\n`;
      const heard = readUntil(listener, (got) => got.includes(line));
      speaker.write(`probe ${id} 你好\n`);
      await within(PATIENCE, '08 probe: relay', heard);
      listener.end();
      speaker.end();
    },
    async bigReply(socket) {
      // Another client talks a lot (60 MB); the slow one is sent every line and never reads them.
      // (With 15 MB, a server that kept every line for it grew by only 11 MiB.)
      const talker = await connect(socket.remotePort ?? 0);
      for (let i = 0; i < 1024; i++) talker.write(`${'x'.repeat(60000)}\n`);
      talker.end();
    },
  },
  {
    lesson: '09-http-server',
    file: 'lessons/09-http-server/server.ts',
    transport: 'tcp',
    request: Buffer.from('GET /go HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
    async probe(port) {
      const answer = await httpGet(port, '/go', '09 probe');
      assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
      assert.ok(answer.includes('<strong id="ip">127.0.0.1</strong>'), answer);
    },
    // 80,000 requests in a row (pipelined) whose 32 MB of answers are never read. (With 20,000,
    // a server that answered them all without stopping grew by only 10 MiB on Node 20.)
    bigReply: (socket) => void socket.write('GET /go HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(80000)),
  },
  {
    lesson: '09-http-server (hello.ts)',
    file: 'lessons/09-http-server/hello.ts',
    transport: 'tcp',
    request: Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
    async probe(port) {
      const answer = await httpGet(port, '/', '09 hello probe');
      assert.match(answer, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nHello, World$/);
    },
  },
  {
    lesson: '12-websocket-chat',
    file: 'lessons/12-websocket-chat/server.ts',
    transport: 'tcp',
    request: Buffer.from(wsUpgrade()),
    async probe(port, server, id) {
      // A listener joins (the server logs its 101 before it counts it as a member); then a
      // speaker joins and says one line in the same write: the listener must hear it.
      const listener = await connect(port);
      const speaker = await connect(port);
      const line = `127.0.0.1:${speaker.localPort}: probe ${id} 你好`;
      const heard = readUntil(listener, (got) => wsTexts(got).includes(line));
      const from = server.out.length;
      listener.write(wsUpgrade());
      await server.waitFor(new RegExp(`:${listener.localPort} GET /chat -> 101 `), from);
      speaker.write(Buffer.concat([Buffer.from(wsUpgrade()), wsText(`probe ${id} 你好`)]));
      await within(PATIENCE, '12 probe: relay', heard);
      listener.end();
      speaker.end();
    },
    async bigReply(socket) {
      // The slow one joins; another member says 60 MB, relayed to it. (Without the drop at
      // 1 MiB, the server grew past the bound; with it, by under 6 MiB.)
      socket.write(wsUpgrade());
      const talker = await connect(socket.remotePort ?? 0);
      talker.write(wsUpgrade());
      const message = wsText('x'.repeat(60000));
      for (let i = 0; i < 1024; i++) talker.write(message);
      talker.end();
    },
  },
  {
    lesson: '11-unix-socket',
    file: 'lessons/11-unix-socket/server.ts',
    transport: 'unix',
    // A path of its own in a private folder (a pipe name on Windows), as --path.
    setup: async () => {
      const local = freshLocalPath();
      return { args: [], path: local.path, cleanup: local.cleanup };
    },
    request: Buffer.from('hello\n'),
    async probe(to: Address, _server, id) {
      const socket = await connect(to);
      const message = Buffer.from(`probe ${id} 你好\n`);
      const reply = readUntil(socket, (got) => got.length >= message.length);
      socket.write(message);
      assert.equal((await within(PATIENCE, '11 probe', reply)).toString(), `PROBE ${id} 你好\n`);
      socket.end();
    },
    bigReply(socket) {
      // Everything sent comes back: send a lot and never read the echo.
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      for (let i = 0; i < 64; i++) socket.write(chunk);
    },
  },
  {
    lesson: '10-udp-broadcast',
    file: 'lessons/10-udp-broadcast/server.ts',
    transport: 'udp',
    // The receiver in a multicast group, joined on loopback (nothing joins on a real network);
    // the bad input comes as unicast to its port, which it takes as well (bound to 0.0.0.0).
    setup: async () => ({
      args: ['--group', '239.255.0.1', '--interface', '127.0.0.1'],
      cleanup: () => {},
    }),
    request: Buffer.from('hello group'),
    async probe(port, server, id) {
      const from = server.out.length;
      await datagram(port, `probe ${id} 你好`);
      await server.waitFor(new RegExp(`sent: probe ${id} 你好$`), from);
    },
  },
  {
    lesson: '13-tls',
    file: 'lessons/13-tls/server.ts',
    transport: 'tcp',
    // A fresh CA and certificate for each run; the bad input is plain bytes on the TLS port.
    setup: async () => {
      const base = mkdtempSync(path.join(tmpdir(), 'socket-lessons-tls-'));
      makeCertificates(path.join(base, 'tls-certs'));
      return {
        args: ['--certs', path.join(base, 'tls-certs')],
        cleanup: () => rmSync(base, { recursive: true, force: true }),
      };
    },
    request: Buffer.from('GET /go HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
    async probe(port, server) {
      // A client that checks the certificate against the CA the server's folder holds.
      const folder = server.child.spawnargs[server.child.spawnargs.indexOf('--certs') + 1];
      const ca = readFileSync(path.join(folder, 'ca.pem'));
      const socket = tls.connect({ host: '127.0.0.1', port, ca });
      socket.on('error', () => {});
      await within(PATIENCE, '13 probe: handshake', once(socket, 'secureConnect'));
      const everything = readAll(socket as net.Socket);
      socket.write('GET /go HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      const answer = (await within(PATIENCE, '13 probe', everything)).toString();
      assert.match(answer, /^HTTP\/1\.1 200 OK\r\n[\s\S]*your address: 127\.0\.0\.1/);
    },
  },
  {
    lesson: '13-tls (shell-server.ts)',
    file: 'lessons/13-tls/shell-server.ts',
    transport: 'tcp',
    // Lesson 06's protocol over TLS; the bad input is plain bytes on the TLS port. Run in a
    // scratch folder, which also holds a fresh CA and certificate.
    setup: async () => {
      const scratch = mkdtempSync(path.join(tmpdir(), 'socket-lessons-tls-shell-'));
      makeCertificates(path.join(scratch, 'tls-certs'));
      return {
        args: ['--timeout', '2', '--certs', path.join(scratch, 'tls-certs')],
        cwd: scratch,
        cleanup: () => rmSync(scratch, { recursive: true, force: true }),
      };
    },
    request: Buffer.from('echo hello'),
    async probe(port, server, id) {
      // The CA of the server's --certs folder; then 06's exchange, over a verified TLS socket.
      const folder = server.child.spawnargs[server.child.spawnargs.indexOf('--certs') + 1];
      const ca = readFileSync(path.join(folder, 'ca.pem'));
      const socket = tls.connect({ host: '127.0.0.1', port, ca });
      socket.on('error', () => {});
      await within(PATIENCE, '13 shell probe: handshake', once(socket, 'secureConnect'));
      const expected = `probe ${id} 你好\n`;
      const sizeText = String(Buffer.byteLength(expected));
      const size = readUntil(socket as net.Socket, (got) => got.toString() === sizeText);
      socket.write(`echo probe ${id} 你好`);
      await within(PATIENCE, '13 shell probe: size', size);
      const output = readUntil(
        socket as net.Socket,
        (got) => got.length >= Buffer.byteLength(expected),
      );
      socket.write('准备接受');
      assert.equal((await within(PATIENCE, '13 shell probe: output', output)).toString(), expected);
      socket.end();
    },
  },
];

/** 12's handshake, as a browser sends it (the key is RFC 6455's example). */
function wsUpgrade(): string {
  const fields = ['Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade'];
  fields.push('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13');
  return `GET /chat HTTP/1.1\r\n${fields.join('\r\n')}\r\n\r\n`;
}

/** A masked text frame (with a key of zeros, which leaves the bytes as they are). */
function wsText(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length < 126) {
    return Buffer.concat([Buffer.of(0x81, 0x80 | payload.length, 0, 0, 0, 0), payload]);
  }
  const head = Buffer.of(0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff, 0, 0, 0, 0);
  return Buffer.concat([head, payload]);
}

/** The text messages in what a server sent after its 101 head (frames under 64 KiB). */
function wsTexts(bytes: Buffer): string[] {
  const texts: string[] = [];
  let at = bytes.indexOf('\r\n\r\n') + 4;
  while (at + 2 <= bytes.length) {
    let length = bytes[at + 1] & 0x7f;
    let start = at + 2;
    if (length === 126) {
      if (at + 4 > bytes.length) break;
      length = bytes.readUInt16BE(at + 2);
      start = at + 4;
    }
    if (start + length > bytes.length) break;
    texts.push(bytes.subarray(start, start + length).toString());
    at = start + length;
  }
  return texts;
}

/** One GET on a fresh connection that the server is asked to close; the whole answer. */
async function httpGet(port: number, target: string, what: string): Promise<string> {
  const socket = await connect(port);
  const everything = readAll(socket);
  socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  return (await within(PATIENCE, what, everything)).toString();
}
