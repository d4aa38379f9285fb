// The wire view's relay (scripts/lib/wire.ts) must be invisible: every byte passed on unchanged
// in both directions, a half-close passed on as a half-close and a reset as a reset, datagrams
// with their edges. Only then does a lesson under the relay behave exactly as without it (the
// transcripts test runs every demo through it and compares with the README).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { readAll } from '../scripts/lib/peer.ts';
import { runLesson, spawnProgram, startServer, tsx } from '../scripts/lib/proc.ts';
import { fakeServer } from '../scripts/lib/testing.ts';
import { describe as line, tcpRelay, udpRelay } from '../scripts/lib/wire.ts';

const connectTo = async (port: number) => {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await once(socket, 'connect');
  return socket;
};

test('TCP: 4 MiB each way arrive unchanged, and each FIN is passed on as a half-close', async (t) => {
  const up = randomBytes(4 * 1024 * 1024);
  const down = randomBytes(4 * 1024 * 1024);
  let atServer: Buffer | undefined;
  const server = await fakeServer(async (socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(socket, 'end'); // the client's FIN came through…
    atServer = Buffer.concat(chunks);
    socket.end(down); // … and the server can still send: a half-close, not a close
  }, true);
  const relay = await tcpRelay({ to: { host: '127.0.0.1', port: server.port } });
  t.after(() => Promise.all([relay.close(), server.close()]));
  const client = await connectTo(relay.port);
  const received = readAll(client);
  client.end(up);
  assert.ok((await received).equals(down), 'the server → client bytes');
  assert.ok(atServer?.equals(up), 'the client → server bytes');
  const kinds = relay.events.map((event) => `${event.kind} ${event.direction ?? ''}`.trim());
  assert.deepEqual(
    kinds.filter((kind) => !kind.startsWith('data')),
    ['connect', 'fin to server', 'fin to client', 'close'],
  );
  const bytes = (direction: string) =>
    relay.events
      .filter((event) => event.kind === 'data' && event.direction === direction)
      .reduce((sum, event) => sum + (event.bytes?.length ?? 0), 0);
  assert.deepEqual([bytes('to server'), bytes('to client')], [up.length, down.length]);
});

test('TCP: a reset from the server mid-transfer reaches the client as a reset', {
  timeout: 20000,
}, async (t) => {
  // The server sends, and once the client has had its first bytes it queues 2 MiB more and
  // resets: the case of lessons 05-07 stopped mid-transfer. (A reset before any byte at all is
  // seen as a plain end by libuv 1.51 and older, Node 20 and 22, in the relay as in a lesson.)
  let started: () => void = () => {};
  const server = await fakeServer(async (socket) => {
    const firstBytes = new Promise<void>((done) => {
      started = done;
    });
    socket.write(randomBytes(1024 * 1024));
    await firstBytes;
    socket.write(randomBytes(2 * 1024 * 1024));
    socket.resetAndDestroy();
  });
  const relay = await tcpRelay({ to: { host: '127.0.0.1', port: server.port } });
  t.after(() => Promise.all([relay.close(), server.close()]));
  for (let round = 0; round < 5; round++) {
    const client = await connectTo(relay.port);
    client.once('data', () => started());
    client.resume();
    const [err] = (await once(client, 'error')) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNRESET', `round ${round + 1}`);
  }
  assert.ok(
    relay.events.some((event) => event.kind === 'reset' && event.direction === 'to client'),
  );
});

test('TCP: a reset from the client reaches the server as a reset', {
  timeout: 20000,
}, async (t) => {
  let arrived: () => void = () => {};
  const hello = new Promise<void>((done) => {
    arrived = done;
  });
  let ended: (how: string | undefined) => void = () => {};
  const seen = new Promise<string | undefined>((done) => {
    ended = done;
  });
  const server = await fakeServer((socket) => {
    socket.once('data', () => arrived());
    socket.on('error', (err: NodeJS.ErrnoException) => ended(err.code));
    socket.on('end', () => ended('end (a FIN, not a reset)'));
  });
  const relay = await tcpRelay({ to: { host: '127.0.0.1', port: server.port } });
  t.after(() => Promise.all([relay.close(), server.close()]));
  const client = await connectTo(relay.port);
  client.write('hello');
  await hello; // the relay has its connection to the server
  client.resetAndDestroy();
  assert.equal(await seen, 'ECONNRESET');
});

test('UDP: each datagram passes unchanged, with its edges, both ways', async (t) => {
  const server = dgram.createSocket('udp4');
  server.on('message', (message, from) =>
    server.send(Buffer.concat([message, message]), from.port, from.address),
  );
  await new Promise<void>((done) => server.bind(0, '127.0.0.1', done));
  const relay = await udpRelay({ to: { host: '127.0.0.1', port: server.address().port } });
  const client = dgram.createSocket('udp4');
  t.after(async () => {
    client.close();
    server.close();
    await relay.close();
  });
  const messages = [Buffer.from('a'), randomBytes(1200), Buffer.from('你好')];
  for (const message of messages) {
    const reply = once(client, 'message');
    client.send(message, relay.port, '127.0.0.1');
    const [answer] = (await reply) as [Buffer];
    assert.ok(answer.equals(Buffer.concat([message, message])), 'one datagram back, doubled');
  }
  assert.deepEqual(
    relay.events.map((event) => [event.direction, event.bytes?.length]),
    messages.flatMap((message) => [
      ['to server', message.length],
      ['to client', message.length * 2],
    ]),
  );
});

test('the wire view says each event in a line: direction, size, and the bytes as text or hex', () => {
  const at = { connection: 1, ms: 1.25 };
  const text = Buffer.from('hello\n');
  assert.equal(
    line({ ...at, kind: 'data', direction: 'to server', bytes: text }, 'tcp'),
    "#1     1.3 ms  client → server  chunk of 6 bytes: 'hello\\n'",
  );
  assert.equal(
    line({ ...at, kind: 'data', direction: 'to client', bytes: Buffer.from([0, 0, 0, 20]) }, 'tcp'),
    '#1     1.3 ms  server → client  chunk of 4 bytes: 00 00 00 14',
  );
  assert.equal(
    line({ ...at, kind: 'fin', direction: 'to client' }, 'tcp'),
    '#1     1.3 ms  server → client  FIN (no more data this way: end of stream)',
  );
});

test('npm run wire: between a lesson client and server by hand, with what crossed printed', async (t) => {
  const server = await startServer('lessons/03-tcp-hello/server.ts');
  t.after(() => server.stop());
  const wire = spawnProgram(process.execPath, [
    '--import',
    tsx,
    'scripts/wire.ts',
    '--listen',
    '0',
    '--to',
    `127.0.0.1:${server.port}`,
  ]);
  t.after(() => wire.stop());
  const [, port] = await wire.waitFor(/^wire: 127\.0\.0\.1:(\d+) \(TCP and UDP\) → /);
  const client = await runLesson('lessons/03-tcp-hello/client.ts', ['--port', port]);
  assert.deepEqual(client.out, ['received: 你好']);
  await wire.waitFor(/^#1 +[\d.]+ ms {2}closed$/);
  const seen = wire.out.slice(1).map((each) => each.replace(/^#1 +[\d.]+ ms {2}/, ''));
  assert.deepEqual(
    seen.filter((each) => !each.includes('chunk')),
    [
      'connected (three-way handshake done)',
      'client → server  FIN (no more data this way: end of stream)',
      'server → client  FIN (no more data this way: end of stream)',
      'closed',
    ],
  );
  // The greeting and the answer, however the reads split them.
  const text = (direction: string) =>
    seen
      .filter((each) => each.startsWith(direction))
      .map((each) => each.match(/bytes?: '(.*)'$/)?.[1] ?? '')
      .join('');
  assert.equal(text('client → server'), 'Hello');
  assert.equal(text('server → client'), '你好');
  assert.deepEqual(await wire.stop(), { code: 0, signal: null });
});

test('npm start -- NN --wire: the tour shows the chunks and events between its programs', async () => {
  const tour = await runProgramToEnd(['scripts/tour.ts', '02', '03', '--wire']);
  assert.equal(tour.code, 0, tour.err.join('\n'));
  const wireLines = tour.out.filter((each) => each.includes('wire   │'));
  for (const wanted of [
    /#1 +[\d.]+ ms {2}client → server {2}datagram of 20 bytes: 'nice to meet you too'$/,
    /#1 +[\d.]+ ms {2}connected \(three-way handshake done\)$/,
    /#1 +[\d.]+ ms {2}server → client {2}FIN \(no more data this way: end of stream\)$/,
  ]) {
    assert.ok(
      wireLines.some((each) => wanted.test(each)),
      `${wanted}\n${wireLines.join('\n')}`,
    );
  }
});

/** Run a script of this project with tsx until it exits. */
async function runProgramToEnd(args: string[]) {
  const proc = spawnProgram(process.execPath, ['--import', tsx, ...args], { stdin: [] });
  const exit = await proc.exited;
  return { ...exit, out: proc.out, err: proc.err }; // no colours: spawnProgram sets NO_COLOR
}
