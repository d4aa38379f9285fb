import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, readUntil } from '../scripts/lib/peer.ts';
import {
  findRuntime,
  freshLocalPath,
  root,
  runLesson,
  runtimes,
  spawnLesson,
  spawnProgram,
  startLocalServer,
} from '../scripts/lib/proc.ts';
import { exitWithin, noPython, python } from '../scripts/lib/testing.ts';

const serverFile = 'lessons/11-unix-socket/server.ts';
const clientFile = 'lessons/11-unix-socket/client.ts';
const peers = path.join(root, 'tests', 'python', '11_unix_peers.py');
const posix = process.platform !== 'win32';
const notOnWindows = posix ? false : 'Windows has named pipes, not socket files';
const mode = (file: string) => lstatSync(file).mode & 0o777;

/**
 * Run the server where it should refuse to start: its exit, and what it printed. One that
 * starts serving instead is stopped after 10 s, and that is the answer (a hang is no failure).
 */
async function runServerToEnd(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
  const server = spawnLesson(serverFile, args, { stdin: [], ...opts });
  const exit = await exitWithin(server, 10000);
  if (exit === 'still running') await server.stop('SIGKILL');
  const code = exit === 'still running' ? exit : exit.code;
  return { code, out: server.out, err: server.err };
}

/** A throwaway server on a local socket, to fake the other side. */
async function fakeLocalServer(onConnection: (socket: net.Socket) => void) {
  const local = freshLocalPath();
  const server = net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(local.path, resolve));
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { path: local.path, close: () => close().then(local.cleanup) };
}

describe('11-unix-socket', () => {
  const local = freshLocalPath();
  let server: Awaited<ReturnType<typeof startLocalServer>>;
  before(async () => {
    server = await startLocalServer(serverFile, local.path);
  });
  after(async () => {
    await server.stop();
    local.cleanup();
  });

  test('each line comes back upper-cased, an empty one too; q quits; the log numbers clients', async () => {
    const from = server.out.length;
    const stdin = ['hello', '', 'socket 你好', 'q', 'never sent'];
    const result = await runLesson(clientFile, ['--path', local.path], { stdin });
    assert.deepEqual(result, {
      code: 0,
      signal: null,
      out: ['recv: HELLO', 'recv: ', 'recv: SOCKET 你好'],
      err: [],
    });
    await server.waitFor(/disconnected$/, from);
    const log = server.out.slice(from);
    const who = log[0].match(/^client \d+/)?.[0];
    assert.deepEqual(log, [
      `${who} connected`,
      `${who} sent: hello`,
      `${who} sent: `,
      `${who} sent: socket 你好`,
      `${who} disconnected`,
    ]);
  });

  test('the socket file is a socket, and only its owner may write to it (0600)', {
    skip: notOnWindows,
  }, () => {
    assert.ok(lstatSync(local.path).isSocket());
    assert.equal(mode(local.path), 0o600);
  });

  test('50 clients at once each get only their own replies', async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => connect(local.path)));
    await Promise.all(
      clients.map(async (socket, id) => {
        for (let round = 0; round < 5; round++) {
          const message = `client ${id} says hi #${round} 你好\n`;
          const reply = readUntil(socket, (got) => got.length >= Buffer.byteLength(message));
          socket.write(message);
          assert.equal((await reply).toString(), message.toUpperCase());
        }
      }),
    );
    const from = server.out.length;
    for (const socket of clients) socket.end();
    for (let seen = 0; seen < 50; seen++) await server.waitFor(/disconnected$/, from + seen);
  });

  test('a second server on the same path is refused, and the first keeps its file', async () => {
    const second = await runServerToEnd(['--path', local.path]);
    assert.deepEqual(
      [second.code, second.out, second.err],
      [1, [], [`error: a server is already listening on ${local.path}`]],
    );
    const result = await runLesson(clientFile, ['--path', local.path], { stdin: ['still here'] });
    assert.deepEqual(result.out, ['recv: STILL HERE']);
  });
});

describe('11-unix-socket: the socket file', { skip: notOnWindows }, () => {
  test('Ctrl+C closes the server and removes its file', async (t) => {
    const local = freshLocalPath();
    t.after(local.cleanup);
    const server = await startLocalServer(serverFile, local.path);
    assert.ok(existsSync(local.path));
    assert.deepEqual(await server.stop('SIGINT'), { code: 0, signal: null });
    assert.equal(server.out.at(-1), 'server closed');
    assert.equal(existsSync(local.path), false, 'the socket file is still there');
  });

  test('a crashed server leaves its file; the client says so; the next server removes it', async (t) => {
    const local = freshLocalPath();
    t.after(local.cleanup);
    const crashed = await startLocalServer(serverFile, local.path);
    await crashed.stop('SIGKILL'); // no chance to close: the file stays
    assert.ok(lstatSync(local.path).isSocket(), 'a killed server leaves its socket file');
    const refused = await runLesson(clientFile, ['--path', local.path], { stdin: ['hi'] });
    assert.deepEqual(
      [refused.code, refused.err],
      [1, [`error: nothing is listening on ${local.path}; start the server first`]],
    );
    const next = await startLocalServer(serverFile, local.path);
    t.after(() => next.stop());
    assert.deepEqual(next.out, [
      `removed ${local.path}, left by a server that stopped`,
      `listening on ${local.path}`,
    ]);
    const result = await runLesson(clientFile, ['--path', local.path], { stdin: ['hi'] });
    assert.deepEqual(result.out, ['recv: HI']);
  });

  test('a file that is not a socket is never removed', async (t) => {
    const local = freshLocalPath();
    t.after(local.cleanup);
    writeFileSync(local.path, 'my notes\n');
    const result = await runServerToEnd(['--path', local.path]);
    assert.deepEqual(
      [result.code, result.err],
      [1, [`error: ${local.path} exists and is not a socket; not removing it`]],
    );
    assert.equal(readFileSync(local.path, 'utf8'), 'my notes\n');
  });

  test('an empty --path is a usage error, not a stack trace', async () => {
    const result = await runServerToEnd(['--path', '']);
    assert.deepEqual(
      [result.code, result.err[0]],
      [2, 'error: --path is empty: give the path of the socket file'],
    );
  });

  test('a path in a folder that does not exist gets one line', async (t) => {
    const local = freshLocalPath();
    t.after(local.cleanup);
    const at = path.join(path.dirname(local.path), 'no', 'echo.sock');
    const result = await runServerToEnd(['--path', at]);
    assert.deepEqual(
      [result.code, result.err],
      [1, [`error: the folder of ${at} does not exist; make it, or choose another --path`]],
    );
  });

  test('the default path: a folder of this user alone (0700) in the temporary folder', async (t) => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'socket-lessons-tmp-'));
    t.after(() => rmSync(tmp, { recursive: true, force: true }));
    const env = { ...process.env, TMPDIR: tmp }; // os.tmpdir() reads TMPDIR
    const folder = path.join(tmp, `socket-lessons-${process.getuid?.()}`);
    const at = path.join(folder, 'echo.sock');
    const server = spawnLesson(serverFile, [], { env });
    await server.waitFor(new RegExp(`^listening on ${at.replace(/[.]/g, '\\.')}$`));
    assert.deepEqual([mode(folder), mode(at)], [0o700, 0o600]);
    const result = await runLesson(clientFile, [], { env, stdin: ['默认 path'] });
    assert.deepEqual(result.out, ['recv: 默认 PATH']);
    await server.stop();

    // A folder that others may enter is not used: someone else may have made it.
    chmodSync(folder, 0o755);
    const open = await runServerToEnd([], { env });
    const refusal = `error: ${folder} is not a private folder of yours (mode 0700); remove it, or choose a --path`;
    assert.deepEqual([open.code, open.err], [1, [refusal]]);
    if (process.getuid?.() === 0) {
      chmodSync(folder, 0o700);
      chownSync(folder, 65534, 65534); // nobody's folder, private to nobody
      const theirs = await runServerToEnd([], { env });
      assert.deepEqual([theirs.code, theirs.err], [1, [refusal]]);
    }
  });

  test('another user cannot connect: the file is 0600 even when the umask allows more', async (t) => {
    const why = nobodyCannotRun();
    if (why) return t.skip(why);
    const base = mkdtempSync(path.join(tmpdir(), 'socket-lessons-perm-'));
    t.after(() => rmSync(base, { recursive: true, force: true }));
    chmodSync(base, 0o755); // anyone may enter the folder: only the file's own mode guards it
    const at = path.join(base, 'echo.sock');
    const umask = process.umask(0); // the child inherits it: without the chmod, a 0777 socket
    const server = await startLocalServer(serverFile, at).finally(() => process.umask(umask));
    t.after(() => server.stop());
    const env = { ...process.env, NODE_V8_COVERAGE: '' }; // nobody cannot write root's coverage
    const nobody = { uid: 65534, gid: 65534, env, stdin: ['hello'] };
    const result = await runLesson(clientFile, ['--path', at], nobody);
    assert.deepEqual(
      [result.code, result.err],
      [1, [`error: permission denied for ${at}: it, or its folder, belongs to another user`]],
    );
    assert.equal(mode(at), 0o600);
  });
});

describe('11-unix-socket: bad input and errors', () => {
  const limit = process.platform === 'linux' ? 107 : process.platform === 'win32' ? 256 : 103;

  test(`a path longer than ${limit} bytes: one line and exit code 2; ${limit} bytes work`, {
    skip: notOnWindows,
  }, async (t) => {
    const local = freshLocalPath();
    t.after(local.cleanup);
    const dir = path.dirname(local.path);
    const exactly = (size: number) => path.join(dir, 'x'.repeat(size - dir.length - 1));
    const tooLong = ['--path', exactly(limit + 1)];
    for (const result of [await runServerToEnd(tooLong), await runLesson(clientFile, tooLong)]) {
      assert.deepEqual(
        [result.code, result.err[0]],
        [
          2,
          `error: the path is ${limit + 1} bytes long, at most ${limit} on ${process.platform}; choose a shorter --path`,
        ],
      );
    }
    // The longest path that fits is served as it is (Node 20 would cut a longer one short).
    const longest = exactly(limit);
    assert.equal(Buffer.byteLength(longest), limit);
    const server = await startLocalServer(serverFile, longest);
    t.after(() => server.stop());
    assert.ok(lstatSync(longest).isSocket());
    const result = await runLesson(clientFile, ['--path', longest], { stdin: ['long'] });
    assert.deepEqual(result.out, ['recv: LONG']);
  });

  test('with no server the client says so in one line and exits 1', async (t) => {
    const local = freshLocalPath();
    t.after(local.cleanup);
    const result = await runLesson(clientFile, ['--path', local.path], { stdin: ['hello'] });
    assert.deepEqual(
      [result.code, result.out, result.err],
      [1, [], [`error: no server at ${local.path}; start the server first`]],
    );
  });

  test('the client reads the whole reply line, however it is split (inside 你)', async () => {
    const fake = await fakeLocalServer((socket) => {
      socket.on('data', (data: Buffer) => {
        const reply = Buffer.from(data.toString().toUpperCase());
        const cut = reply.indexOf('你') + 1; // inside 你: its first byte of three
        socket.write(reply.subarray(0, cut));
        // Not a wait for anything: a pause that makes the rest a read of its own.
        setTimeout(() => socket.write(reply.subarray(cut)), 100);
      });
    });
    const stdin = ['split 你好', 'q'];
    const result = await runLesson(clientFile, ['--path', fake.path], { stdin });
    await fake.close();
    assert.deepEqual([result.code, result.out], [0, ['recv: SPLIT 你好']]);
  });

  test('a server that hangs up before answering gets one line and exit code 1', async () => {
    const fake = await fakeLocalServer(async (socket) => {
      await once(socket, 'data');
      socket.end();
    });
    const result = await runLesson(clientFile, ['--path', fake.path], { stdin: ['hello'] });
    await fake.close();
    assert.deepEqual(
      [result.code, result.out, result.err],
      [1, [], ['error: the server closed the connection before answering']],
    );
  });

  test('--help, and an unknown option exits 2 with the usage line', async () => {
    const help = await runServerToEnd(['--help']);
    assert.deepEqual([help.code, help.out], [0, ['usage: server.ts [--path PATH] [--quiet]']]);
    const bad = await runLesson(clientFile, ['--port', '6969']);
    assert.deepEqual(
      [bad.code, bad.err],
      [2, ["error: unknown option '--port'", 'usage: client.ts [--path PATH]']],
    );
  });

  test('--quiet logs connections but not every message', async (t) => {
    const local = freshLocalPath();
    t.after(local.cleanup);
    const quiet = await startLocalServer(serverFile, local.path, ['--quiet']);
    t.after(() => quiet.stop());
    const result = await runLesson(clientFile, ['--path', local.path], { stdin: ['hi'] });
    assert.deepEqual(result.out, ['recv: HI']);
    await quiet.waitFor(/disconnected$/);
    assert.deepEqual(quiet.out, [
      `listening on ${local.path}`,
      'client 1 connected',
      'client 1 disconnected',
    ]);
  });
});

describe('11-unix-socket: on every runtime installed, Ctrl+C removes the file', {
  skip: notOnWindows,
}, () => {
  for (const runtime of runtimes) {
    const skip = findRuntime(runtime) ? false : `${runtime} is not installed (plain node: 22.18+)`;
    test(runtime, { skip }, async (t) => {
      const local = freshLocalPath();
      t.after(local.cleanup);
      const server = await startLocalServer(serverFile, local.path, [], { runtime });
      const result = await runLesson(clientFile, ['--path', local.path], {
        runtime,
        stdin: ['hi'],
      });
      assert.deepEqual(result.out, ['recv: HI']);
      assert.equal(mode(local.path), 0o600);
      assert.equal((await server.stop('SIGINT')).code, 0);
      assert.equal(existsSync(local.path), false, `${runtime} left the socket file`);
    });
  }
});

const noNc = !posix
  ? 'no nc -U on Windows'
  : spawnSync('nc', ['-h']).error
    ? 'no nc: apt-get install netcat-openbsd'
    : !/OpenBSD/.test(String(spawnSync('nc', ['-h']).stderr))
      ? 'nc is not the OpenBSD one (netcat-openbsd), which has -U and -N'
      : false;

describe('11-unix-socket and nc -U (netcat-openbsd)', { skip: noNc }, () => {
  test('nc -U as the client: each line comes back upper-cased', async (t) => {
    const local = freshLocalPath();
    t.after(local.cleanup);
    const server = await startLocalServer(serverFile, local.path);
    t.after(() => server.stop());
    // -N: after the end of its input, nc ends its side (shutdown); the server then closes.
    const nc = spawnProgram('nc', ['-N', '-U', local.path], { stdin: ['hello', 'nc 你好'] });
    assert.deepEqual(await nc.exited, { code: 0, signal: null });
    assert.deepEqual(nc.out, ['HELLO', 'NC 你好']);
    await server.waitFor(/disconnected$/);
  });

  test('nc -lU as the server: our client sends its line and prints what nc sends', async (t) => {
    const local = freshLocalPath();
    t.after(local.cleanup);
    // nc says where it listens on stderr (-v): through sh, that comes on stdout to wait for.
    const script = 'exec nc -lvU "$0" 2>&1';
    const nc = spawnProgram('sh', ['-c', script, local.path], { stdin: ['FROM NC'] });
    t.after(() => nc.stop('SIGKILL'));
    await nc.waitFor(/^Listening on /);
    const result = await runLesson(clientFile, ['--path', local.path], { stdin: ['hello', 'q'] });
    assert.deepEqual([result.code, result.out, result.err], [0, ['recv: FROM NC'], []]);
    await nc.exited;
    assert.ok(nc.out.includes('hello'), nc.out.join('\n'));
  });
});

describe("11-unix-socket and Python's AF_UNIX", { skip: noPython || notOnWindows }, () => {
  test('a Python AF_UNIX client → our server', async (t) => {
    const local = freshLocalPath();
    t.after(local.cleanup);
    const server = await startLocalServer(serverFile, local.path);
    t.after(() => server.stop());
    const peer = spawnProgram(python, ['-u', peers, 'client', local.path, 'hello', 'Python 你好']);
    assert.deepEqual(await peer.exited, { code: 0, signal: null }, peer.err.join('\n'));
    assert.deepEqual(peer.out, ['recv: HELLO', 'recv: PYTHON 你好']);
    await server.waitFor(/disconnected$/);
  });

  test('our client → a Python AF_UNIX server, which sees a client with no address', async (t) => {
    const local = freshLocalPath();
    t.after(local.cleanup);
    const peer = spawnProgram(python, ['-u', peers, 'server', local.path]);
    t.after(() => peer.stop('SIGKILL'));
    await peer.waitFor(/^listening on /);
    const stdin = ['hello', '你好 python', 'q'];
    const result = await runLesson(clientFile, ['--path', local.path], { stdin });
    assert.deepEqual([result.code, result.out], [0, ['recv: HELLO', 'recv: 你好 PYTHON']]);
    assert.deepEqual(await peer.exited, { code: 0, signal: null }, peer.err.join('\n'));
    assert.deepEqual(peer.out, [
      `listening on ${local.path}`,
      "connected from ''",
      'received: hello|你好 python|',
    ]);
  });
});

/** Why the user nobody cannot run the client here, or '' if it can (only root can switch). */
function nobodyCannotRun(): string {
  if (process.getuid?.() !== 0) return 'only root can run a client as another user; run as root';
  const nobody = { uid: 65534, gid: 65534 };
  const read = 'for (const f of process.argv.slice(1)) require("fs").accessSync(f, 4)';
  const tsx = path.join(root, 'node_modules', 'tsx', 'package.json');
  const files = [path.join(root, clientFile), tsx];
  if (spawnSync(process.execPath, ['-e', read, ...files], nobody).status !== 0) {
    return 'the user nobody cannot run Node or read this checkout (inside a private folder?)';
  }
  return '';
}
