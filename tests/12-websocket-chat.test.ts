import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { encodeFrame, type Frame, frameReader, OP } from '../lessons/12-websocket-chat/frames.ts';
import { acceptKey } from '../lessons/12-websocket-chat/handshake.ts';
import { type Case, cases, watched } from '../scripts/lib/abuse.ts';
import { connect, PATIENCE, readAll, readUntil, seeded, within } from '../scripts/lib/peer.ts';
import { root, runLesson, spawnLesson, startServer } from '../scripts/lib/proc.ts';
import { type Target, targets } from '../scripts/lib/targets.ts';
import { exitWithin, fakeServer, freeTcpPort, norm } from '../scripts/lib/testing.ts';

const dir = 'lessons/12-websocket-chat';
const serverFile = `${dir}/server.ts`;
const clientFile = `${dir}/client.ts`;

/** Everything a test opens, closed (newest first) after the tests, even when one fails. */
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const each of cleanup.reverse()) await each();
});

/** Wait (bounded) until `ready()` holds; `wake` is called whenever something arrives. */
function waiter() {
  const wakers = new Set<() => void>();
  const wake = () => {
    for (const each of wakers) each();
  };
  const until = (what: string, ready: () => boolean) =>
    within(
      PATIENCE,
      what,
      new Promise<void>((resolve) => {
        const check = () => {
          if (!ready()) return;
          wakers.delete(check);
          resolve();
        };
        wakers.add(check);
        check();
      }),
    );
  return { wake, until };
}

const upgradeRequest = (port: number, key: string, extra: string[] = []) =>
  [
    'GET /chat HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
    ...extra,
    '',
    '',
  ].join('\r\n');

/**
 * A raw WebSocket peer written in the test: it sends whatever bytes a test wants (masked or
 * not, in any pieces) and reads the server's frames with the lesson's reader, checking that
 * none is masked.
 */
async function rawMember(port: number, opts: { early?: Buffer; bytewise?: boolean } = {}) {
  const socket = await connect(port);
  cleanup.push(() => socket.destroy());
  socket.setNoDelay(true);
  const key = randomBytes(16).toString('base64');
  const frames: Frame[] = [];
  let head: string | undefined;
  let ended = false; // the server's FIN came
  const { wake, until } = waiter();
  const read = frameReader(Number.MAX_SAFE_INTEGER, (frame) => {
    assert.equal(frame.masked, false, 'a server frame is never masked');
    frames.push(frame);
  });
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    if (head === undefined) {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      head = buffered.subarray(0, end).toString('latin1');
      read(buffered.subarray(end + 4));
    } else {
      read(chunk);
    }
    wake();
  });
  socket.on('end', () => {
    ended = true;
    wake();
  });
  const closed = once(socket, 'close');
  const bytes = Buffer.concat([
    Buffer.from(upgradeRequest(port, key)),
    opts.early ?? Buffer.alloc(0),
  ]);
  if (opts.bytewise) {
    for (const byte of bytes)
      await new Promise((resolve) => socket.write(Buffer.of(byte), resolve));
  } else {
    socket.write(bytes);
  }
  await until('the 101 answer', () => head !== undefined);
  assert.match(head ?? '', /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.ok(head?.includes(`\r\nSec-WebSocket-Accept: ${acceptKey(key)}`), head);
  const texts = () =>
    frames.filter((frame) => frame.opcode === OP.text).map((frame) => frame.payload.toString());
  await until('the welcome', () => texts().length > 0);
  const welcome = texts()[0];
  const address = welcome.match(/^welcome (\S+), \d+ online$/)?.[1] ?? '';
  return {
    socket,
    frames,
    texts,
    address,
    closed,
    /** Wait until `count` text messages have come; all of them. */
    received: async (count: number) => {
      await until(`${count} messages`, () => texts().length >= count);
      return texts();
    },
    /** Wait for the server's close frame: its code and reason, and that it then closed TCP. */
    closeFrame: async () => {
      await until('a close frame', () => frames.some((frame) => frame.opcode === OP.close));
      const frame = frames.find((each) => each.opcode === OP.close) as Frame;
      await until('the server to close the connection', () => ended);
      const payload = frame.payload;
      return { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString() };
    },
    until,
    /** A masked frame, as a client must send it. */
    send: (opcode: number, payload: Buffer | string, fin = true) =>
      socket.write(encodeFrame(opcode, Buffer.from(payload), true, fin)),
  };
}
type Member = Awaited<ReturnType<typeof rawMember>>;

describe('12-websocket-chat: frames', () => {
  test('Sec-WebSocket-Accept is base64(SHA-1(key + GUID)): the example of RFC 6455', () => {
    assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  test('lengths take 7, 16 or 64 bits, the fewest that hold them', () => {
    const headOf = (size: number) => encodeFrame(OP.text, Buffer.alloc(size), false).length - size;
    assert.deepEqual([0, 125, 126, 65535, 65536].map(headOf), [2, 2, 4, 4, 10]);
    const masked = encodeFrame(OP.text, Buffer.from('hello'), true);
    assert.equal(masked[1], 0x80 | 5);
    assert.notEqual(masked.subarray(6).toString(), 'hello', 'the payload is masked on the wire');
  });

  test('the reader gives the same frames however the bytes are split, one at a time too', () => {
    const sent = [
      { opcode: OP.text, fin: false, payload: Buffer.from('你') },
      { opcode: OP.ping, fin: true, payload: Buffer.from('ping?') },
      { opcode: OP.continuation, fin: true, payload: Buffer.alloc(300, 'b') },
      { opcode: OP.text, fin: true, payload: Buffer.alloc(70000, 'c') },
      { opcode: OP.close, fin: true, payload: Buffer.of(0x03, 0xe8) },
    ];
    for (const masked of [true, false]) {
      const bytes = Buffer.concat(
        sent.map((each) => encodeFrame(each.opcode, each.payload, masked, each.fin)),
      );
      const splits = [1, 2, 3, 7, 4096, bytes.length];
      for (const size of splits) {
        const got: Frame[] = [];
        const read = frameReader(1 << 20, (frame) => got.push(frame));
        for (let at = 0; at < bytes.length; at += size) read(bytes.subarray(at, at + size));
        assert.deepEqual(
          got,
          sent.map((each) => ({ ...each, masked })),
          `pieces of ${size} bytes, masked: ${masked}`,
        );
      }
    }
  });

  test('the reader refuses a broken head before any payload arrives', () => {
    const refuse = (bytes: number[], code: number) => {
      const read = frameReader(1000, () => assert.fail('no frame'));
      assert.throws(() => read(Buffer.from(bytes)), { code }, JSON.stringify(bytes));
    };
    refuse([0xc1, 0x80, 1, 2, 3, 4], 1002); // RSV1 set: no extension was agreed
    refuse([0x09, 0x80, 1, 2, 3, 4], 1002); // a ping without FIN: control frames are whole
    refuse([0x89, 0xfe, 0x00, 0x7e], 1002); // a ping of 126 bytes: control frames are short
    refuse([0x81, 0xfe, 0x03, 0xe9], 1009); // 1001 bytes announced: over the limit of 1000
    refuse([0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0], 1002); // a 64-bit length with its top bit set
  });
});

describe('12-websocket-chat: the server', { timeout: 60000 }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer(serverFile);
    cleanup.push(() => server.stop());
  });

  /** Close raw members and wait until the server has seen each one go. */
  async function leave(...members: Member[]) {
    const from = server.out.length;
    for (const member of members) member.send(OP.close, Buffer.of(0x03, 0xe8));
    for (const member of members) {
      await server.waitFor(new RegExp(`${member.address} disconnected \\(1000\\)$`), from);
    }
  }

  /** One HTTP request on a fresh connection: the whole answer, read until the server closes. */
  async function http(request: string | Buffer) {
    const socket = await connect(server.port);
    const everything = readAll(socket);
    socket.write(request);
    const answer = (await within(PATIENCE, 'an HTTP answer', everything)).toString();
    const [head, body] = answer.split('\r\n\r\n');
    return { lines: head.split('\r\n'), body };
  }

  test('GET / is the page; the handshake answers each bad upgrade with its status', async () => {
    const page = readFileSync(path.join(root, dir, 'chat.html'), 'utf8');
    const home = await http('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.deepEqual(home.lines, [
      'HTTP/1.1 200 OK',
      'Content-Type: text/html; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(page)}`,
      'Connection: close',
    ]);
    assert.equal(home.body, page);
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const good = upgradeRequest(server.port, key);
    const cases: [string, string, string][] = [
      ['no Upgrade', 'GET /chat HTTP/1.1\r\nHost: x\r\n\r\n', '426 Upgrade Required'],
      ['version 8', good.replace('Version: 13', 'Version: 8'), '426 Upgrade Required'],
      ['no key', good.replace(/Sec-WebSocket-Key.*\r\n/, ''), '400 Bad Request'],
      ['a short key', good.replace(key, 'c2hvcnQ='), '400 Bad Request'],
      ['no Connection', good.replace('Connection: Upgrade\r\n', ''), '400 Bad Request'],
      ['HTTP/1.0', good.replace('HTTP/1.1', 'HTTP/1.0'), '400 Bad Request'],
      ['no Host', good.replace(/Host.*\r\n/, ''), '400 Bad Request'],
      [
        'a foreign Origin',
        good.replace('\r\n\r\n', '\r\nOrigin: http://evil.example\r\n\r\n'),
        '403 Forbidden',
      ],
      // A page opened from a file says `Origin: null`, which is no URL at all.
      ['Origin: null', good.replace('\r\n\r\n', '\r\nOrigin: null\r\n\r\n'), '403 Forbidden'],
      ['POST', good.replace('GET', 'POST'), '405 Method Not Allowed'],
      ['another path', good.replace('/chat', '/nothing'), '404 Not Found'],
      ['garbage', 'hello\r\n\r\n', '400 Bad Request'],
      ['a field without a colon', 'GET / HTTP/1.1\r\nHost x\r\n\r\n', '400 Bad Request'],
      [
        'a head over 8 KiB',
        `GET / HTTP/1.1\r\nX: ${'a'.repeat(9000)}\r\n\r\n`,
        '431 Request Header Fields Too Large',
      ],
    ];
    for (const [what, request, status] of cases) {
      const { lines, body } = await http(request);
      assert.equal(lines[0], `HTTP/1.1 ${status}`, what);
      assert.equal(body, `${status}\n`, what);
      if (status.startsWith('426')) {
        assert.ok(lines.includes('Upgrade: websocket'), what);
        assert.ok(lines.includes('Sec-WebSocket-Version: 13'), what);
      }
    }
    // Our own page's Origin is welcome.
    const socket = await connect(server.port);
    const origin = `Origin: http://127.0.0.1:${server.port}`;
    const head = readUntil(socket, (got) => got.includes('\r\n\r\n'));
    socket.write(upgradeRequest(server.port, key, [origin]));
    const lines = (await within(PATIENCE, 'the 101', head)).toString().split('\r\n');
    assert.equal(lines[0], 'HTTP/1.1 101 Switching Protocols');
    assert.ok(lines.includes('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='));
    socket.destroy();
    await server.waitFor(/disconnected \(1006: no close frame\)$/);
  });

  test('two members chat; joins and leaves are told, as in lesson 08', async () => {
    const from = server.out.length;
    const a = await rawMember(server.port);
    const b = await rawMember(server.port);
    b.send(OP.text, 'hello 你好');
    assert.deepEqual(await a.received(3), [
      `welcome ${a.address}, 1 online`,
      `${b.address} joined`,
      `${b.address}: hello 你好`,
    ]);
    await leave(b);
    assert.deepEqual(await b.closeFrame(), { code: 1000, reason: '' });
    assert.deepEqual((await a.received(4))[3], `${b.address} left`);
    assert.deepEqual(b.texts(), [`welcome ${b.address}, 2 online`]);
    await leave(a);
    assert.deepEqual(norm(server.out.slice(from), server.port, 8080), [
      '127.0.0.1:50001 GET /chat -> 101 Switching Protocols',
      '127.0.0.1:50002 GET /chat -> 101 Switching Protocols',
      '127.0.0.1:50002: hello 你好',
      '127.0.0.1:50002 disconnected (1000)',
      '127.0.0.1:50001 disconnected (1000)',
    ]);
  });

  test("the handshake and the frames one byte at a time, and frames in the handshake's write", async () => {
    const listener = await rawMember(server.port);
    const early = Buffer.concat([
      encodeFrame(OP.text, Buffer.from('one 你好'), true),
      encodeFrame(OP.text, Buffer.from('two'), true),
    ]);
    const slow = await rawMember(server.port, { early, bytewise: true });
    const fast = await rawMember(server.port, {
      early: encodeFrame(OP.text, Buffer.from('three'), true),
    });
    assert.deepEqual((await listener.received(6)).slice(1), [
      `${slow.address} joined`,
      `${slow.address}: one 你好`,
      `${slow.address}: two`,
      `${fast.address} joined`,
      `${fast.address}: three`,
    ]);
    // The welcome went out before the early messages were relayed.
    assert.deepEqual(fast.texts()[0], `welcome ${fast.address}, 3 online`);
    await leave(listener, slow, fast);
  });

  test('fragments: a character cut between two, a ping between them; lengths of 16 and 64 bits', async () => {
    const listener = await rawMember(server.port);
    const sender = await rawMember(server.port);
    const bytes = Buffer.from('分片的消息');
    sender.send(OP.text, bytes.subarray(0, 4), false); // 分 and the first byte of 片
    sender.send(OP.ping, 'are you there');
    sender.send(OP.continuation, bytes.subarray(4, 9), false);
    sender.send(OP.continuation, bytes.subarray(9), true);
    const middle = 'm'.repeat(1000); // a 16-bit length
    const big = 'x'.repeat(65536); // a 64-bit length, and exactly the limit
    sender.send(OP.text, middle);
    sender.send(OP.text, big);
    const got = await listener.received(5);
    assert.deepEqual(got.slice(2), [
      `${sender.address}: 分片的消息`,
      `${sender.address}: ${middle}`,
      `${sender.address}: ${big}`,
    ]);
    const pong = sender.frames.find((frame) => frame.opcode === OP.pong);
    assert.equal(pong?.payload.toString(), 'are you there');
    await leave(listener, sender);
  });

  const broken: [string, (member: Member) => void, number, string][] = [
    [
      'an unmasked frame',
      (m) => m.socket.write(encodeFrame(OP.text, Buffer.from('hi'), false)),
      1002,
      'unmasked frame',
    ],
    ['invalid UTF-8', (m) => m.send(OP.text, Buffer.of(0x68, 0xc3, 0x28)), 1007, 'invalid UTF-8'],
    [
      'invalid UTF-8 across fragments',
      (m) => {
        m.send(OP.text, Buffer.of(0xe4, 0xbd), false);
        m.send(OP.continuation, Buffer.of(0x41), true);
      },
      1007,
      'invalid UTF-8',
    ],
    [
      'a truncated character at the end',
      (m) => m.send(OP.text, Buffer.of(0xe4, 0xbd)),
      1007,
      'invalid UTF-8',
    ],
    ['a binary message', (m) => m.send(OP.binary, 'bytes'), 1003, 'text only'],
    [
      'a continuation first',
      (m) => m.send(OP.continuation, 'x'),
      1002,
      'a continuation with no message to continue',
    ],
    [
      'a new message inside a fragmented one',
      (m) => {
        m.send(OP.text, 'a', false);
        m.send(OP.text, 'b');
      },
      1002,
      'a new message inside a fragmented one',
    ],
    ['opcode 3', (m) => m.send(3, 'x'), 1002, 'unknown opcode 3'],
    [
      'a reserved bit',
      (m) => m.socket.write(Buffer.of(0xc1, 0x80, 0, 0, 0, 0)),
      1002,
      'reserved bits set',
    ],
    ['a 1-byte close frame', (m) => m.send(OP.close, Buffer.of(3)), 1002, 'a 1-byte close frame'],
    ['close code 1005', (m) => m.send(OP.close, Buffer.of(0x03, 0xed)), 1002, 'close code 1005'],
    ['close code 999', (m) => m.send(OP.close, Buffer.of(0x03, 0xe7)), 1002, 'close code 999'],
    [
      'a close reason that is not UTF-8',
      (m) => m.send(OP.close, Buffer.of(0x03, 0xe8, 0xff)),
      1007,
      'invalid UTF-8',
    ],
    // Only the head of a 65,537-byte frame: refused before a byte of it is buffered.
    [
      'a frame over 64 KiB',
      (m) => m.socket.write(Buffer.of(0x81, 0xff, 0, 0, 0, 0, 0, 1, 0, 1, 1, 2, 3, 4)),
      1009,
      'a frame of 65537 bytes',
    ],
    [
      'a message over 64 KiB in fragments',
      (m) => {
        m.send(OP.text, 'x'.repeat(40000), false);
        m.send(OP.continuation, 'x'.repeat(40000), true);
      },
      1009,
      'a message over 65536 bytes',
    ],
  ];
  for (const [what, act, code, reason] of broken) {
    test(`${what}: close ${code}, and the server closes the connection`, async () => {
      const listener = await rawMember(server.port);
      const member = await rawMember(server.port);
      const from = server.out.length;
      act(member);
      assert.deepEqual(await member.closeFrame(), { code, reason });
      await server.waitFor(
        new RegExp(`${member.address} disconnected \\(${code}: ${reason}\\)$`),
        from,
      );
      assert.deepEqual((await listener.received(3))[2], `${member.address} left`);
      assert.equal(listener.texts().length, 3, 'nothing of the broken message was relayed');
      await leave(listener);
    });
  }

  test('a close with code 3000 is echoed with 3000; a close with no code gets an empty one', async () => {
    const member = await rawMember(server.port);
    member.send(OP.close, Buffer.of(0x0b, 0xb8, 0x62, 0x79, 0x65)); // 3000 "bye"
    assert.deepEqual(await member.closeFrame(), { code: 3000, reason: '' });
    await server.waitFor(new RegExp(`${member.address} disconnected \\(3000: bye\\)$`));
    const quiet = await rawMember(server.port);
    quiet.send(OP.close, Buffer.alloc(0));
    await quiet.until('an empty close frame', () =>
      quiet.frames.some((frame) => frame.opcode === OP.close && frame.payload.length === 0),
    );
    await server.waitFor(new RegExp(`${quiet.address} disconnected \\(1005\\)$`));
  });

  test('frames after a close, in the same read, are not taken: the others never see them', async () => {
    const listener = await rawMember(server.port);
    const member = await rawMember(server.port);
    await listener.received(2); // its welcome, then the other's join
    const close = encodeFrame(OP.close, Buffer.of(0x03, 0xe8), true); // 1000
    const after = encodeFrame(OP.text, Buffer.from('after the close'), true);
    member.socket.write(Buffer.concat([close, after]));
    assert.deepEqual(await member.closeFrame(), { code: 1000, reason: '' });
    await server.waitFor(new RegExp(`${member.address} disconnected \\(1000\\)$`));
    assert.deepEqual((await listener.received(3))[2], `${member.address} left`);
    assert.ok(!listener.texts().some((text) => text.includes('after the close')));
    await leave(listener);
  });

  test('a reset (RST) is a leave without a close frame: 1006', async () => {
    const listener = await rawMember(server.port);
    const rude = await rawMember(server.port);
    rude.socket.resetAndDestroy();
    assert.deepEqual((await listener.received(3))[2], `${rude.address} left`);
    await server.waitFor(new RegExp(`${rude.address} disconnected \\(1006: no close frame\\)$`));
    await leave(listener);
  });

  test('a member who never reads is dropped, and the others carry on', async () => {
    const from = server.out.length;
    const sleeper = await rawMember(server.port);
    sleeper.socket.pause(); // never reads again: our receive buffer fills, then the server's
    const sender = await rawMember(server.port);
    const dropped = server.waitFor(new RegExp(`${sleeper.address} is not reading; dropped$`), from);
    let done = false;
    dropped.then(() => {
      done = true;
    });
    const line = 'x'.repeat(60000);
    for (let i = 0; i < 1000 && !done; i++) {
      if (!sender.send(OP.text, line)) await once(sender.socket, 'drain');
    }
    await dropped;
    await server.waitFor(
      new RegExp(`${sleeper.address} disconnected \\(1006: no close frame\\)$`),
      from,
    );
    await sender.until('the leave', () => sender.texts().includes(`${sleeper.address} left`));
    await leave(sender);
  });

  test('300 members at once: a message reaches every one of them', async () => {
    const members: Member[] = [];
    for (let batch = 0; batch < 3; batch++) {
      members.push(
        ...(await Promise.all(Array.from({ length: 100 }, () => rawMember(server.port)))),
      );
    }
    const speaker = members[0];
    speaker.send(OP.text, 'hello, everyone');
    const line = `${speaker.address}: hello, everyone`;
    for (const member of members.slice(1)) {
      await member.until('the broadcast', () => member.texts().includes(line));
    }
    await leave(...members);
  });
});

// The robustness tests give the slow-reader case a fresh server. After 400 members have come and
// gone, a reader that kept each read until the rest of its frame came made the server grow by
// 57-64 MiB of read buffers that V8 had not collected yet, over the bound; one buffer, reused,
// keeps it under 6 MiB.
test('a member who never reads, after 200 others: memory stays bounded', {
  skip: process.platform === 'linux' ? false : 'needs /proc to see a process memory',
  timeout: 60000,
}, async () => {
  const target = targets.find((each) => each.lesson === '12-websocket-chat') as Target;
  const server = await startServer(serverFile, [], watched());
  cleanup.push(() => server.stop());
  for (const name of ['200 clients at once', 'a slow reader']) {
    const abuse = cases.find((each) => each.name.startsWith(name)) as Case;
    await abuse.run(target, server.port, server, seeded(12));
  }
});

describe('12-websocket-chat: client.ts', { timeout: 30000 }, () => {
  /** A client.ts process with stdin open; its address comes from its welcome line. */
  async function chatter(port: number) {
    const proc = spawnLesson(clientFile, ['--port', String(port)]);
    cleanup.push(() => proc.stop('SIGKILL'));
    const [, address] = await proc.waitFor(/^welcome (\S+), \d+ online$/);
    return { ...proc, address, say: (line: string) => proc.child.stdin?.write(`${line}\n`) };
  }

  test('two clients chat; the end of input closes with 1000; Ctrl+C on the server is 1001', async () => {
    const server = await startServer(serverFile);
    cleanup.push(() => server.stop());
    const a = await chatter(server.port);
    const b = await chatter(server.port);
    await a.waitFor(/joined$/);
    a.say('hi from a 你好');
    await b.waitFor(/hi from a 你好$/);
    b.say('hi from b');
    await a.waitFor(/hi from b$/);
    b.child.stdin?.end(); // Ctrl+D
    assert.deepEqual(await b.exited, { code: 0, signal: null });
    await a.waitFor(/left$/);
    assert.deepEqual(await server.stop(), { code: 0, signal: null });
    assert.deepEqual(await a.exited, { code: 0, signal: null }, a.err.join('\n'));
    assert.deepEqual(a.out, [
      `welcome ${a.address}, 1 online`,
      `${b.address} joined`,
      `${b.address}: hi from b`,
      `${b.address} left`,
      'the server closed the connection (1001: server shutting down)',
    ]);
    assert.deepEqual(b.out, [`welcome ${b.address}, 2 online`, `${a.address}: hi from a 你好`]);
    assert.deepEqual(server.out.slice(1), [
      `${a.address} GET /chat -> 101 Switching Protocols`,
      `${b.address} GET /chat -> 101 Switching Protocols`,
      `${a.address}: hi from a 你好`,
      `${b.address}: hi from b`,
      `${b.address} disconnected (1000)`,
      'server closed',
    ]);
  });

  /** client.ts against a fake server that answers the handshake with `answer(key)`. */
  async function against(answer: (key: string, socket: net.Socket) => void) {
    const fake = await fakeServer((socket) => {
      socket.on('error', () => {});
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        const key = text.match(/\r\nSec-WebSocket-Key: (\S+)\r\n[\s\S]*\r\n\r\n/)?.[1];
        if (key) answer(key, socket);
      });
    });
    cleanup.push(() => fake.close());
    // stdin stays open: the client sends nothing of its own until the server has spoken.
    const client = spawnLesson(clientFile, ['--port', String(fake.port)]);
    cleanup.push(() => client.stop('SIGKILL'));
    const exit = await exitWithin(client, PATIENCE);
    assert.notEqual(exit, 'still running', `the client did not exit:\n${client.out.join('\n')}`);
    return { code: client.child.exitCode, out: client.out, err: client.err };
  }
  const switching = (accept: string) =>
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;

  test('a server that does not switch, or answers with the wrong key: one line, exit code 1', async () => {
    const plain = await against((_key, socket) =>
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'),
    );
    assert.deepEqual(
      [plain.code, plain.err],
      [1, ['error: the server did not switch to WebSocket: HTTP/1.1 404 Not Found']],
    );
    const wrong = await against((_key, socket) => socket.write(switching('d3Jvbmc=')));
    assert.deepEqual(
      [wrong.code, wrong.err],
      [1, ['error: the server answered 101 with the wrong Sec-WebSocket-Accept']],
    );
    const noUpgrade = await against((key, socket) =>
      socket.write(switching(acceptKey(key)).replace(/^Upgrade: websocket\r\n/im, '')),
    );
    assert.deepEqual(
      [noUpgrade.code, noUpgrade.err],
      [1, ['error: the server answered 101 without Upgrade: websocket']],
    );
    const silent = await against((_key, socket) => socket.end());
    assert.deepEqual(
      [silent.code, silent.err],
      [1, ['error: the server closed the connection before the handshake']],
    );
  });

  test('a masked frame from a server breaks the rules: the client closes with 1002', async () => {
    let closeFrame: Buffer | undefined;
    const result = await against((key, socket) => {
      socket.write(switching(acceptKey(key)));
      socket.write(encodeFrame(OP.text, Buffer.from('masked!'), true));
      socket.once('data', (chunk: Buffer) => {
        closeFrame = chunk;
        socket.end();
      });
    });
    assert.deepEqual(
      [result.code, result.out, result.err],
      [1, [], ['error: the connection closed (1002: masked frame)']],
    );
    const read: Frame[] = [];
    frameReader(1000, (frame) => read.push(frame))(closeFrame ?? Buffer.alloc(0));
    assert.equal(read[0]?.masked, true, "the client's close frame is masked");
    assert.equal(read[0]?.payload.readUInt16BE(0), 1002);
  });

  test('no server: one line, exit code 1; a bad port: exit code 2', async () => {
    const port = await freeTcpPort();
    const result = await runLesson(clientFile, ['--port', String(port)]);
    assert.deepEqual(
      [result.code, result.out, result.err],
      [1, [], [`error: nothing is listening on 127.0.0.1:${port}; start the server first`]],
    );
    const bad = await runLesson(serverFile, ['--port', 'x']);
    assert.equal(bad.code, 2);
  });
});

// Real peers nobody here wrote: Node's own WebSocket (undici), Chromium, Python's websockets.
const nodeSkip =
  typeof globalThis.WebSocket === 'function'
    ? false
    : `Node ${process.version} has no global WebSocket (Node 22 and later do)`;

describe("12-websocket-chat and Node's own WebSocket (undici)", {
  skip: nodeSkip,
  timeout: 30000,
}, () => {
  test('two undici clients chat; 7-, 16- and 64-bit lengths; over the limit is 1009', async () => {
    const server = await startServer(serverFile);
    cleanup.push(() => server.stop());
    const url = `ws://127.0.0.1:${server.port}/chat`;
    const open = async () => {
      const ws = new WebSocket(url);
      const messages: string[] = [];
      const { wake, until } = waiter();
      ws.onmessage = (event) => {
        messages.push(String(event.data));
        wake();
      };
      const closed = new Promise<{ code: number; reason: string }>((resolve) => {
        ws.onclose = resolve;
      });
      await until('the welcome', () => messages.length > 0);
      cleanup.push(() => ws.close());
      return { ws, messages, until, closed, address: messages[0].split(' ')[1].replace(',', '') };
    };
    const a = await open();
    const b = await open();
    const sizes = ['hi 你好', 'm'.repeat(1000), 'x'.repeat(65536)];
    for (const text of sizes) b.ws.send(text);
    await a.until('three messages', () => a.messages.length >= 5);
    assert.deepEqual(a.messages.slice(1), [
      `${b.address} joined`,
      ...sizes.map((text) => `${b.address}: ${text}`),
    ]);
    b.ws.send('y'.repeat(65537));
    const event = await within(PATIENCE, 'the close', b.closed);
    assert.deepEqual([event.code, event.reason], [1009, 'a frame of 65537 bytes']);
    await a.until('the leave', () => a.messages.includes(`${b.address} left`));
    a.ws.close(1000);
    assert.equal((await within(PATIENCE, 'the close', a.closed)).code, 1000);
    await server.waitFor(new RegExp(`${a.address} disconnected \\(1000\\)$`));
  });
});

const chromium = '/usr/bin/chromium';
const browserSkip = existsSync(chromium)
  ? false
  : 'Chromium is not installed (Debian: apt-get install chromium)';

/**
 * Chromium driven over its DevTools protocol on a pipe (--remote-debugging-pipe): JSON messages,
 * each ended by a NUL byte, written to its fd 3 and read from its fd 4. No package needed.
 */
function devtools(child: ChildProcess) {
  const input = child.stdio[3] as Writable;
  const output = child.stdio[4] as Readable;
  let lastId = 0;
  const pending = new Map<number, (message: Record<string, unknown>) => void>();
  const listeners = new Set<(message: Record<string, unknown>) => void>();
  let buffered = '';
  output.setEncoding('utf8');
  output.on('data', (text: string) => {
    buffered += text;
    for (let end = buffered.indexOf('\0'); end >= 0; end = buffered.indexOf('\0')) {
      const message = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      pending.get(message.id)?.(message);
      for (const listen of listeners) listen(message);
    }
  });
  // biome-ignore lint/suspicious/noExplicitAny: the protocol's answers are JSON of many shapes
  const send = (method: string, params = {}, sessionId?: string): Promise<any> => {
    const id = ++lastId;
    input.write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    const answer = new Promise<Record<string, unknown>>((resolve) => pending.set(id, resolve));
    return within(PATIENCE * 2, method, answer).then((message) => {
      pending.delete(id);
      if (message.error) throw new Error(`${method}: ${JSON.stringify(message.error)}`);
      return message.result;
    });
  };
  const event = (method: string, sessionId: string) =>
    within(
      PATIENCE * 2,
      method,
      new Promise<void>((resolve) => {
        const listen = (message: Record<string, unknown>) => {
          if (message.method !== method || message.sessionId !== sessionId) return;
          listeners.delete(listen);
          resolve();
        };
        listeners.add(listen);
      }),
    );
  return { send, event };
}

describe('12-websocket-chat in headless Chromium', { skip: browserSkip, timeout: 60000 }, () => {
  test('two tabs chat through the server, and a tab that closes leaves', async () => {
    const server = await startServer(serverFile);
    cleanup.push(() => server.stop());
    const profile = mkdtempSync(path.join(tmpdir(), 'socket-lessons-chromium-'));
    cleanup.push(() => rmSync(profile, { recursive: true, force: true }));
    // Nothing leaves this machine: no background requests, and every name but 127.0.0.1
    // fails to resolve inside Chromium itself, so it sends no DNS query either.
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-pings',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      `--user-data-dir=${profile}`,
      '--remote-debugging-pipe',
      'about:blank',
    ];
    const browser = spawn(chromium, flags, { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
    browser.stdout?.resume();
    browser.stderr?.resume();
    const exited = once(browser, 'exit');
    cleanup.push(async () => {
      if (browser.exitCode !== null || browser.signalCode !== null) return;
      browser.kill('SIGKILL'); // by its PID: the browser this test started
      await exited;
    });
    const cdp = devtools(browser);
    const url = `http://127.0.0.1:${server.port}/`;

    const tab = async () => {
      const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
      await cdp.send('Page.enable', {}, sessionId);
      const loaded = cdp.event('Page.loadEventFired', sessionId);
      await cdp.send('Page.navigate', { url }, sessionId);
      await loaded;
      const evaluate = async (expression: string) => {
        const params = { expression, awaitPromise: true, returnByValue: true };
        const reply = await cdp.send('Runtime.evaluate', params, sessionId);
        if (reply.exceptionDetails) throw new Error(JSON.stringify(reply.exceptionDetails));
        return reply.result.value;
      };
      // The page's list of messages, once one of them contains `text` (a MutationObserver
      // in the page wakes up on each new one: no polling).
      const shows = (text: string): Promise<string[]> =>
        evaluate(`new Promise((resolve) => {
          const log = document.getElementById('log');
          const check = () => {
            const lines = [...log.children].map((item) => item.textContent);
            if (lines.some((line) => line.includes(${JSON.stringify(text)}))) resolve(lines);
            else return true;
          };
          if (check()) new MutationObserver(check).observe(log, { childList: true });
        })`);
      const type = (text: string) =>
        evaluate(`(() => {
          document.getElementById('line').value = ${JSON.stringify(text)};
          document.getElementById('say').requestSubmit();
        })()`);
      const welcome = (await shows('welcome '))[0];
      const address = welcome.match(/^welcome (\S+),/)?.[1] ?? '';
      return { targetId, shows, type, address };
    };

    const a = await tab();
    const b = await tab();
    await a.shows(`${b.address} joined`);
    await b.type('你好 from tab B <b>not bold</b>');
    const seen = await a.shows('from tab B');
    await a.type('hello from tab A');
    await b.shows(`${a.address}: hello from tab A`);
    await cdp.send('Target.closeTarget', { targetId: b.targetId });
    const last = await a.shows(`${b.address} left`);
    assert.deepEqual(seen, [
      `welcome ${a.address}, 1 online`,
      `${b.address} joined`,
      `${b.address}: 你好 from tab B <b>not bold</b>`,
    ]);
    assert.deepEqual(last.slice(3), ['me: hello from tab A', `${b.address} left`]);
    await server.waitFor(new RegExp(`${b.address} disconnected \\(\\d+`));
    const log = server.out.filter((line) => line.startsWith(`${b.address}`));
    assert.deepEqual(log.slice(0, 2), [
      `${b.address} GET /chat -> 101 Switching Protocols`,
      `${b.address}: 你好 from tab B <b>not bold</b>`,
    ]);
    // A closing tab may send 1001 (going away), or just drop the connection (1006), with a
    // reset that the server logs first.
    assert.match(log.at(-1) ?? '', /disconnected \((1001|1006)/, 'a tab that closes goes away');
    await cdp.send('Browser.close').catch(() => {});
    await within(PATIENCE, 'Chromium to exit', exited);
  });
});

const pythonSkip =
  spawnSync('python3', ['-c', 'import websockets.sync.client']).status === 0
    ? false
    : "Python's websockets module is not installed (pip install websockets; Debian: apt-get install python3-websockets)";

describe("12-websocket-chat and Python's websockets", { skip: pythonSkip, timeout: 20000 }, () => {
  test('a Python client joins, hears the welcome and a message, and closes with 1000', async () => {
    const server = await startServer(serverFile);
    cleanup.push(() => server.stop());
    const listener = await rawMember(server.port);
    const script = [
      'import sys',
      'from websockets.sync.client import connect',
      'with connect(f"ws://127.0.0.1:{sys.argv[1]}/chat") as ws:',
      '    print(ws.recv(), flush=True)',
      '    ws.send("hello from python 你好")',
      '    print(ws.recv(), flush=True)',
    ].join('\n');
    const python = spawn('python3', ['-c', script, String(server.port)]);
    cleanup.push(() => python.exitCode === null && python.kill('SIGKILL'));
    const out: string[] = [];
    python.stdout?.setEncoding('utf8').on('data', (text: string) => out.push(text));
    python.stderr?.resume();
    const [, joined] = await listener.received(2);
    const them = joined.replace(/ joined$/, '');
    await listener.until('the message', () =>
      listener.texts().includes(`${them}: hello from python 你好`),
    );
    listener.send(OP.text, 'hello, python');
    const [code] = await once(python, 'exit');
    assert.equal(code, 0);
    assert.deepEqual(out.join('').trimEnd().split('\n'), [
      `welcome ${them}, 2 online`,
      `${listener.address}: hello, python`,
    ]);
    await server.waitFor(new RegExp(`${them} disconnected \\(1000\\)$`));
  });
});

test('without its page beside it, the server says so and exits 1', async (t) => {
  const copy = mkdtempSync(path.join(tmpdir(), 'socket-lessons-no-page-'));
  t.after(() => rmSync(copy, { recursive: true, force: true }));
  mkdirSync(path.join(copy, dir), { recursive: true });
  mkdirSync(path.join(copy, 'shared'));
  for (const name of ['server.ts', 'handshake.ts', 'websocket.ts', 'frames.ts']) {
    copyFileSync(path.join(root, dir, name), path.join(copy, dir, name));
  }
  copyFileSync(path.join(root, 'shared', 'helpers.ts'), path.join(copy, 'shared', 'helpers.ts'));
  const result = await runLesson(path.join(copy, serverFile), ['--port', '0']);
  assert.deepEqual(
    [result.code, result.out, result.err],
    [1, [], ['error: cannot read chat.html beside server.ts (ENOENT)']],
  );
});
