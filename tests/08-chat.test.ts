import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { within } from '../scripts/lib/peer.ts';
import {
  type Proc,
  root,
  runLesson,
  spawnLesson,
  spawnProgram,
  startServer,
  tsx,
} from '../scripts/lib/proc.ts';
import { fakeServer, freeTcpPort } from '../scripts/lib/testing.ts';

const serverFile = 'lessons/08-chat/server.ts';
const clientFile = 'lessons/08-chat/client.ts';

/** Everything a test opens, closed (newest first) after the tests, even when one fails. */
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const each of cleanup.reverse()) await each();
});

/** A raw TCP client that collects every line it receives, for bytes a real client never sends. */
async function rawClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  cleanup.push(() => socket.destroy());
  socket.on('error', () => {}); // the tests reset connections on purpose
  await once(socket, 'connect');
  socket.setEncoding('utf8');
  const lines: string[] = [];
  const wakers = new Set<() => void>();
  let pending = '';
  socket.on('data', (text: string) => {
    const parts = (pending + text).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of wakers) wake();
  });
  /** Resolve once `done(lines)` holds (the test's timeout bounds the wait). */
  const until = (done: (got: string[]) => boolean) =>
    new Promise<string[]>((resolve) => {
      const check = () => {
        if (!done(lines)) return;
        wakers.delete(check);
        resolve(lines);
      };
      wakers.add(check);
      check();
    });
  /** Resolve with the first `count` lines, once they have arrived. */
  const received = async (count: number) =>
    (await until((got) => got.length >= count)).slice(0, count);
  await received(1); // the welcome line
  return { socket, lines, until, received, address: `127.0.0.1:${socket.localPort}` };
}

/** Close raw clients and wait until the server has seen each one go, so the next test starts
 *  with nobody else connected. */
async function leave(server: Proc, ...clients: { socket: net.Socket; address: string }[]) {
  const from = server.out.length;
  for (const client of clients) client.socket.end();
  for (const client of clients)
    await server.waitFor(new RegExp(`${client.address} disconnected$`), from);
}

/** A real client process with stdin left open; its address comes from its welcome line. */
async function chatter(port: number): Promise<Proc & { address: string; say(line: string): void }> {
  const proc = spawnLesson(clientFile, ['--port', String(port)]);
  cleanup.push(() => proc.stop('SIGKILL'));
  const [, address] = await proc.waitFor(/^welcome (\S+), \d+ online$/);
  return { ...proc, address, say: (line) => proc.child.stdin?.write(`${line}\n`) };
}

describe('08-chat', { timeout: 30000 }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer(serverFile, ['--backlog', '1024']);
    cleanup.push(() => server.stop());
  });

  test('three clients chat; one is killed and the other two carry on', async () => {
    const from = server.out.length;
    const a = await chatter(server.port);
    const b = await chatter(server.port);
    await a.waitFor(/joined$/);
    const c = await chatter(server.port);
    await b.waitFor(new RegExp(`${c.address} joined$`));

    a.say('hi from a');
    await c.waitFor(/hi from a$/);
    b.say('你好 from b');
    await c.waitFor(/你好 from b$/);
    await a.waitFor(/你好 from b$/);
    c.say('bye');
    await b.waitFor(/: bye$/);
    await a.waitFor(/: bye$/);
    c.child.kill('SIGKILL'); // no goodbye: the kernel closes its socket
    await b.waitFor(/left$/);
    await a.waitFor(/left$/);
    a.say('still here');
    await b.waitFor(/still here$/);
    b.say('me too');
    await a.waitFor(/me too$/);
    a.child.stdin?.end(); // Ctrl+D
    assert.deepEqual(await a.exited, { code: 0, signal: null });
    await b.waitFor(new RegExp(`${a.address} left$`));
    b.child.stdin?.end();
    assert.deepEqual(await b.exited, { code: 0, signal: null });

    const [A, B, C] = [a.address, b.address, c.address];
    assert.deepEqual(a.out, [
      `welcome ${A}, 1 online`,
      `${B} joined`,
      `${C} joined`,
      `${B}: 你好 from b`,
      `${C}: bye`,
      `${C} left`,
      `${B}: me too`,
    ]);
    assert.deepEqual(b.out, [
      `welcome ${B}, 2 online`,
      `${C} joined`,
      `${A}: hi from a`,
      `${C}: bye`,
      `${C} left`,
      `${A}: still here`,
      `${A} left`,
    ]);
    assert.deepEqual(c.out, [`welcome ${C}, 3 online`, `${A}: hi from a`, `${B}: 你好 from b`]);
    await server.waitFor(new RegExp(`${B} disconnected$`), from);
    assert.deepEqual(server.out.slice(from), [
      `${A} connected`,
      `${B} connected`,
      `${C} connected`,
      `${A}: hi from a`,
      `${B}: 你好 from b`,
      `${C}: bye`,
      `${C} disconnected`,
      `${A}: still here`,
      `${B}: me too`,
      `${A} disconnected`,
      `${B} disconnected`,
    ]);
  });

  test('a connection reset (RST) is one more leave; the others are told', async () => {
    const listener = await rawClient(server.port);
    const rude = await rawClient(server.port);
    rude.socket.resetAndDestroy();
    assert.deepEqual(await listener.received(3), [
      `welcome ${listener.address}, 1 online`,
      `${rude.address} joined`,
      `${rude.address} left`,
    ]);
    await server.waitFor(new RegExp(`${rude.address} disconnected$`));
    assert.ok(server.out.includes(`${rude.address} error: read ECONNRESET`));
    await leave(server, listener);
  });

  test('ten lines written at once arrive as ten messages', async () => {
    const listener = await rawClient(server.port);
    const sender = await rawClient(server.port);
    await listener.received(2); // "... joined"
    const lines = Array.from({ length: 10 }, (_, i) => `line ${i + 1} 你好`);
    sender.socket.write(`${lines.join('\n')}\n`); // one write, so very likely one read
    const got = await listener.received(12);
    assert.deepEqual(
      got.slice(2),
      lines.map((line) => `${sender.address}: ${line}`),
    );
    await leave(server, listener, sender);
  });

  test('a line split over two writes, even inside a character, arrives as one', async () => {
    const listener = await rawClient(server.port);
    const sender = await rawClient(server.port);
    sender.socket.setNoDelay(true);
    sender.socket.write('first\n');
    await listener.received(3);
    const bytes = Buffer.from('split 你好 line\n');
    sender.socket.write(bytes.subarray(0, 7)); // "split " and the first byte of 你
    // A round trip through the server: by the time it comes back, the first part has been read.
    server.child.stdin?.write('barrier\n');
    await listener.received(4);
    sender.socket.write(bytes.subarray(7));
    assert.deepEqual((await listener.received(5)).slice(1), [
      `${sender.address} joined`,
      `${sender.address}: first`,
      'server: barrier',
      `${sender.address}: split 你好 line`,
    ]);
    await leave(server, listener, sender);
  });

  test("the article's client sends no newline: a pause ends its message", async () => {
    const listener = await rawClient(server.port);
    const article = await rawClient(server.port);
    article.socket.write('hello'); // what input() returns, sent as it is
    assert.deepEqual((await listener.received(3)).slice(1), [
      `${article.address} joined`,
      `${article.address}: hello`,
    ]);
    await leave(server, listener, article);
  });

  test('a client that never reads is dropped, and the server carries on', async () => {
    const from = server.out.length;
    const sleeper = await rawClient(server.port);
    sleeper.socket.pause(); // never reads again: our receive buffer fills, then the server's
    const sender = await rawClient(server.port);
    const line = `${'x'.repeat(60000)}\n`;
    const dropped = server.waitFor(new RegExp(`${sleeper.address} is not reading; dropped$`), from);
    let done = false;
    dropped.then(() => {
      done = true;
    });
    for (let i = 0; i < 1000 && !done; i++) {
      if (!sender.socket.write(line)) await once(sender.socket, 'drain');
    }
    await dropped;
    await server.waitFor(new RegExp(`${sleeper.address} disconnected$`), from);
    await leave(server, sender);
  });

  test('1,000 clients connect at once and all get a broadcast', async () => {
    const from = server.out.length;
    const clients = await Promise.all(Array.from({ length: 1000 }, () => rawClient(server.port)));
    server.child.stdin?.write('hello, everyone\n');
    await server.waitFor(/^server: hello, everyone \(sent to 1000 clients\)$/, from);
    let joins = 0;
    for (const client of clients) {
      const lines = await client.until((got) => got.at(-1) === 'server: hello, everyone');
      // Each client hears of everyone who came after it: 999 + 998 + ... + 0 joins in all.
      assert.match(lines[0], new RegExp(`^welcome ${client.address}, \\d+ online$`));
      assert.ok(lines.slice(1, -1).every((line) => line.endsWith(' joined')));
      joins += lines.length - 2;
    }
    assert.equal(joins, (1000 * 999) / 2);
    await leave(server, ...clients);
  });
});

describe('08-chat: starting and stopping', { timeout: 20000 }, () => {
  test('a line typed with no client connected gets a note, not a crash', async () => {
    const server = await startServer(serverFile);
    cleanup.push(() => server.stop());
    server.child.stdin?.write('anyone there?\n');
    await server.waitFor(/nobody got that line/);
    const client = await chatter(server.port);
    // Ctrl+Z Enter and Ctrl+D in a Windows console reach the server as lines of \x1a and \x04:
    // they end typing there, and are not sent to anyone.
    server.child.stdin?.write('\x1a\n\x04\n');
    server.child.stdin?.write('now you are\n');
    await client.waitFor(/^server: now you are$/);
    // The server goes away: the client says so and ends cleanly.
    assert.deepEqual(await server.stop(), { code: 0, signal: null });
    assert.deepEqual(await client.exited, { code: 0, signal: null });
    assert.deepEqual(client.out.slice(1), [
      'server: now you are',
      'the server closed the connection',
    ]);
    assert.deepEqual(server.out.slice(1), [
      '(no client is connected; nobody got that line)',
      `${client.address} connected`,
      'server: now you are (sent to 1 client)',
      'server closed',
    ]);
  });

  test("the client hears the article's server, which sends no newlines", async () => {
    const fake = await fakeServer(async (socket) => {
      socket.write('hi from the article server'); // no newline
      await once(socket, 'data'); // the client's "hello\n" came after our message was printed
      socket.end('bye');
    });
    cleanup.push(() => fake.close());
    const client = spawnLesson(clientFile, ['--port', String(fake.port)]);
    cleanup.push(() => client.stop('SIGKILL'));
    await client.waitFor(/^hi from the article server$/);
    client.child.stdin?.write('hello\n');
    assert.deepEqual(await client.exited, { code: 0, signal: null });
    assert.deepEqual(client.out, [
      'hi from the article server',
      'bye',
      'the server closed the connection',
    ]);
  });

  test('no server: one line, exit code 1; a bad backlog: exit code 2', async () => {
    const port = await freeTcpPort();
    const result = await runLesson(clientFile, ['--port', String(port)]);
    assert.deepEqual(
      [result.code, result.out, result.err],
      [1, [], [`error: nothing is listening on 127.0.0.1:${port}; start the server first`]],
    );
    const bad = await runLesson(serverFile, ['--backlog', '0']);
    assert.deepEqual(
      [bad.code, bad.err],
      [
        2,
        [
          "error: invalid backlog '0'",
          'usage: server.ts [--host 127.0.0.1] [--port 8080] [--backlog 10]',
        ],
      ],
    );
  });
});

const python = 'python3';
const peers = path.join(root, 'tests', 'python', 'article_chat_http.py');
const articleSkip =
  process.platform !== 'linux'
    ? "the article's chat uses epoll, which only Linux has"
    : spawnSync(python, ['--version']).status !== 0
      ? 'python3 is not installed'
      : false;

describe("08-chat and the article's Python programs", { skip: articleSkip, timeout: 20000 }, () => {
  test("the article's client (no newlines) chats through our server", async () => {
    const server = await startServer(serverFile);
    cleanup.push(() => server.stop());
    const listener = await rawClient(server.port);
    const article = spawnProgram(python, ['-u', peers, 'chat-client', String(server.port)]);
    cleanup.push(() => article.stop('SIGKILL'));
    const [, joined] = await listener.received(2);
    const them = joined.replace(/ joined$/, '');
    article.child.stdin?.write('hello from python\n'); // input() strips the newline it sends
    assert.deepEqual((await listener.received(3))[2], `${them}: hello from python`);
    listener.socket.write('hello, article\n');
    await article.waitFor(/hello, article$/);
    server.child.stdin?.write('你好 python\n');
    await article.waitFor(/server: 你好 python$/);
    // The article prints our newline as a line of its own, which may come a moment later.
    await article.waitFor(
      /^$/,
      article.out.indexOf('Received from server: server: 你好 python') + 1,
    );
    assert.deepEqual(article.out, [
      `Received from server: welcome ${them}, 2 online`,
      '', // the article prints our newline as one more line
      `Received from server: ${listener.address}: hello, article`,
      '',
      'Received from server: server: 你好 python',
      '',
    ]);
    await article.stop('SIGTERM');
    assert.deepEqual((await listener.received(5)).slice(3), [
      'server: 你好 python',
      `${them} left`,
    ]);
  });

  test("our client chats with the article's server", async () => {
    const article = spawnProgram(python, ['-u', peers, 'chat-server', '0']);
    cleanup.push(() => article.stop('SIGKILL'));
    const [, port] = await article.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/);
    const client = spawnLesson(clientFile, ['--port', port]);
    cleanup.push(() => client.stop('SIGKILL'));
    await article.waitFor(/^New connected by:/);
    client.child.stdin?.write('hello 你好\n');
    await article.waitFor(/^Received from client: hello 你好$/);
    article.child.stdin?.write('hi from the article\n'); // sent with no newline
    await client.waitFor(/^hi from the article$/);
    client.child.stdin?.end();
    assert.deepEqual(await client.exited, { code: 0, signal: null });
    await article.waitFor(/^Client has been closed\.$/);
    assert.deepEqual(client.out, ['hi from the article']);
    assert.match(article.out[1], /^New connected by: \('127\.0\.0\.1', \d+\)$/);
    assert.deepEqual(article.out.slice(2), [
      'Received from client: hello 你好',
      '',
      'Client has been closed.',
    ]);
  });
});

// A server started with `&` in an interactive shell: its stdin is the terminal, but its process
// group is not the terminal's foreground group. A small Python "shell" sets that up on a fresh
// pseudo-terminal. Once the learner types at the shell's prompt, a server that reads the terminal
// is stopped (SIGTTIN), and the next client gets no welcome.
const backgroundShell = `
import fcntl, os, pty, subprocess, sys, termios
master, slave = pty.openpty()
os.setsid()
fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
server = subprocess.Popen(sys.argv[1:], stdin=slave, process_group=0)
print(f"server pid {server.pid}", flush=True)
for line in sys.stdin:  # what the learner types at the shell's prompt
    os.write(master, line.encode())
    print("typed", flush=True)
sys.exit(server.wait())
`;
const pythonPty =
  process.platform === 'win32'
    ? 'Windows has no job control'
    : spawnSync('python3', [
          '-c',
          'import pty, subprocess; subprocess.Popen(["true"], process_group=0)',
        ]).status === 0
      ? false
      : 'needs python3 3.11 or later (pty, and Popen with process_group)';

test('a server started in the background still serves clients (it does not read the terminal)', {
  skip: pythonPty,
}, async () => {
  const shell = spawnProgram('python3', [
    '-c',
    backgroundShell,
    process.execPath,
    '--import',
    tsx,
    path.join(root, serverFile),
    '--port',
    '0',
  ]);
  const pid = Number((await shell.waitFor(/^server pid (\d+)$/))[1]);
  cleanup.push(async () => {
    shell.child.stdin?.end(); // the shell then waits for the server to exit
    process.kill(pid, 'SIGINT'); // a stopped server keeps it pending: then SIGKILL
    const stopped = await within(3000, 'the server to stop', shell.exited).catch(() => null);
    if (!stopped) process.kill(pid, 'SIGKILL');
    await shell.exited;
  });
  const port = Number((await shell.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/))[1]);
  shell.child.stdin?.write('node lessons/08-chat/client.ts\n');
  await shell.waitFor(/^typed$/);
  for (const each of ['first', 'second']) {
    const client = await within(5000, `the ${each} client's welcome`, rawClient(port));
    assert.match(client.lines[0], /^welcome /);
  }
  assert.ok(
    shell.out.includes('(started in the background: what you type here reaches no client)'),
  );
});
