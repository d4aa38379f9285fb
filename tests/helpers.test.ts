// Unit tests for the parts of shared/helpers.ts that no lesson exercises yet.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { resolveInside } from '../lessons/05-file-download/inside.ts';
import { readExactly } from '../lessons/06-remote-shell/exact.ts';
import { startTarget } from '../scripts/lib/abuse.ts';
import { listLessons } from '../scripts/lib/lessons.ts';
import { root as repo, runLesson, spawnProgram, tsx } from '../scripts/lib/proc.ts';
import { targets } from '../scripts/lib/targets.ts';
import { exitWithin, fakeServer, makeLink, noSymlinks } from '../scripts/lib/testing.ts';
import { explain, hostPort } from '../shared/helpers.ts';

describe('explain', () => {
  const cases: [string, string][] = [
    [
      'EADDRINUSE',
      'port 8080 is already in use; try --port 8081 (what holds it: lsof -i :8080, or on Windows netstat -ano | findstr :8080)',
    ],
    [
      'EACCES',
      'permission denied for 127.0.0.1:8080; ports below 1024 need admin rights, try --port 16080',
    ],
    ['EADDRNOTAVAIL', '127.0.0.1 is not an address of this machine; try --host 127.0.0.1'],
    ['ECONNREFUSED', 'nothing is listening on 127.0.0.1:8080; start the server first'],
    ['ECONNRESET', 'the connection to 127.0.0.1:8080 was reset by the other side'],
    ['EPIPE', '127.0.0.1:8080 closed the connection while we were still sending'],
    ['ETIMEDOUT', 'timed out talking to 127.0.0.1:8080; is the host up and the port open?'],
    ['ENOTFOUND', "unknown host '127.0.0.1'; check the spelling or use an IP address"],
    ['EWHATEVER', 'something odd'],
  ];
  for (const [code, line] of cases) {
    test(code, () => {
      const err = Object.assign(new Error('something odd'), { code });
      assert.equal(explain(err, '127.0.0.1', 8080), line);
    });
  }
  test('EACCES names the option that sets the port', () => {
    const err = Object.assign(new Error('x'), { code: 'EACCES' });
    assert.equal(
      explain(err, '127.0.0.1', 9000, '--bind'),
      'permission denied for 127.0.0.1:9000; ports below 1024 need admin rights, try --bind 17000',
    );
  });
  // Windows has no admin-only ports: EACCES there means a port in a range that Hyper-V, WSL2 or
  // Docker reserved, or one that another program holds exclusively.
  test('EACCES on Windows points to the reserved port ranges', () => {
    const platform = Object.getOwnPropertyDescriptor(process, 'platform') as PropertyDescriptor;
    const err = Object.assign(new Error('x'), { code: 'EACCES' });
    const reserved = (port: number, option: string) =>
      `port ${port} is reserved or held exclusively by another program; try ${option} ${port + 8000} (reserved ranges: netsh int ipv4 show excludedportrange protocol=tcp)`;
    Object.defineProperty(process, 'platform', { ...platform, value: 'win32' });
    try {
      assert.equal(explain(err, '127.0.0.1', 8080), reserved(8080, '--port'));
      assert.equal(explain(err, '127.0.0.1', 9000, '--bind'), reserved(9000, '--bind'));
    } finally {
      Object.defineProperty(process, 'platform', platform);
    }
    assert.match(explain(err, '127.0.0.1', 8080), /^permission denied for 127\.0\.0\.1:8080; /);
  });
  test('IPv6 hosts get brackets', () => assert.equal(hostPort('::1', 80), '[::1]:80'));
  test('a client gone before accept() shows no undefined:undefined', () =>
    assert.equal(hostPort(undefined, undefined), '(a client that left at once)'));
});

describe('resolveInside', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'socket-lessons-root-'));
  const root = path.join(base, 'root');
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  writeFileSync(path.join(root, 'sub', 'ok.txt'), 'ok');
  writeFileSync(path.join(base, 'secret.txt'), 'secret');
  // A folder beside the root whose name starts with the root's: still outside it.
  mkdirSync(path.join(base, 'root-beside'));
  writeFileSync(path.join(base, 'root-beside', 'secret.txt'), 'secret');
  after(() => rmSync(base, { recursive: true, force: true }));
  // Without the right to make links (Windows, not admin), the tests that need them skip.
  const noLinks =
    makeLink(path.join(base, 'secret.txt'), path.join(root, 'escape.txt')) ||
    makeLink(path.join(root, 'sub', 'ok.txt'), path.join(root, 'inside.txt')) ||
    makeLink(path.join(base, 'root-beside', 'secret.txt'), path.join(root, 'beside.txt'));

  test('serves files inside the root, through links that stay inside', async (t) => {
    assert.equal(path.basename(await resolveInside(root, 'sub/ok.txt')), 'ok.txt');
    if (noLinks) return t.skip(`the file through a link not tried: ${noLinks}`);
    assert.equal(path.basename(await resolveInside(root, 'inside.txt')), 'ok.txt');
  });
  // The root / (or C:\ on Windows) already ends with the separator: a file in it must still
  // count as inside, and '..' must still be refused.
  test('a root that ends with the separator (/, or a drive root) serves the files in it', async () => {
    const file = realpathSync(path.join(root, 'sub', 'ok.txt'));
    const top = path.parse(file).root;
    assert.equal(await resolveInside(top, path.relative(top, file)), file);
    for (const name of ['..', `${path.relative(top, root)}/../../../..`, '.']) {
      await assert.rejects(resolveInside(top, name), { code: 'EOUTSIDEROOT' }, name);
    }
  });
  for (const name of [
    '../secret.txt',
    'sub/../../secret.txt',
    '..\\secret.txt',
    '/etc/passwd',
    'C:\\x',
    'a\0b',
    '',
    'escape.txt',
    'beside.txt',
    '.',
  ]) {
    test(`refuses ${JSON.stringify(name)}`, async (t) => {
      if (noLinks && ['escape.txt', 'beside.txt'].includes(name)) return t.skip(noLinks);
      await assert.rejects(resolveInside(root, name), { code: 'EOUTSIDEROOT' });
    });
  }
  test('a missing file keeps ENOENT', async () => {
    await assert.rejects(resolveInside(root, 'nope.txt'), { code: 'ENOENT' });
  });
  // Node's own messages name the path it tried (`realpath '/srv/files/…'`); a server passes the
  // message on to its client, so it must say what is wrong and nothing of where.
  test('errors say what is wrong, never the path of the root', async () => {
    for (const [name, code, message] of [
      ['nope.txt', 'ENOENT', 'no such file'],
      ['sub/ok.txt/x', 'ENOENT', 'no such file'],
      ['z'.repeat(300), 'ENAMETOOLONG', 'name too long'],
    ]) {
      await assert.rejects(resolveInside(root, name), { code, message }, name.slice(0, 20));
    }
    await assert.rejects(resolveInside(path.join(base, 'gone'), 'a.txt'), {
      code: 'ENOENT',
      message: 'no such file',
    });
  });
});

describe('readExactly', () => {
  test('waits for bytes split over many writes', async () => {
    const stream = new PassThrough();
    const read = readExactly(stream, 6);
    for (const byte of Buffer.from('你好')) stream.write(Buffer.from([byte]));
    assert.equal((await read).toString(), '你好');
  });
  test('rejects when the stream ends first, even if it ended before the call', async () => {
    const stream = new PassThrough();
    const early = readExactly(stream, 4);
    stream.end('ab');
    await assert.rejects(early, { message: 'connection closed after 2 of 4 bytes', got: 2 });
    await assert.rejects(readExactly(stream, 4), /connection closed after 0 of 4 bytes/);
  });
});

// Windows: Node hands Ctrl+Z then Enter (and Ctrl+D) over as a line holding that one character,
// where a Linux terminal ends the input. Such a line ends the input here too.
describe('stdinLines', () => {
  for (const [key, char] of [
    ['Ctrl+D', '\x04'],
    ['Ctrl+Z', '\x1a'],
  ]) {
    test(`a line holding only ${key} ends the input: nothing after it is sent`, async (t) => {
      let received = '';
      let ended: Promise<unknown> | undefined;
      const fake = await fakeServer((socket) => {
        ended = once(socket, 'end');
        socket.on('data', (data: Buffer) => {
          received += data.toString();
          socket.write(data.toString().toUpperCase()); // the 04 echo server's answer
        });
      });
      t.after(fake.close);
      const args = ['--port', String(fake.port)];
      const stdin = ['hello', char, 'after'];
      const result = await runLesson('lessons/04-tcp-echo/client.ts', args, { stdin });
      assert.deepEqual([result.code, result.out, result.err], [0, ['recv: HELLO'], []]);
      await ended; // the client's FIN: everything it sent has come
      assert.equal(received, 'hello');
    });
  }
});

// On Windows a signal sent to a child process kills it at once, so a test (or any program that
// starts a server) stops it with the message 'SIGINT' over an IPC channel instead.
describe('onShutdown: a server started with an IPC channel stops cleanly on the message', () => {
  const servers = [...new Map(targets.map((target) => [target.file, target])).values()];
  test('every lesson file that calls onShutdown is in this list', () => {
    const callers = listLessons().flatMap((lesson) =>
      lesson.files
        .filter((file) => readFileSync(path.join(lesson.dir, file), 'utf8').includes('onShutdown('))
        .map((file) => `lessons/${lesson.name}/${file}`),
    );
    assert.deepEqual(callers.sort(), servers.map((target) => target.file).sort());
  });
  for (const target of servers) {
    test(`${target.file}: exit code 0, and 'server closed' last`, async (t) => {
      const prepared = await target.setup?.();
      t.after(() => prepared?.cleanup());
      // startTarget: a local-socket server (lesson 11) listens on a path, not a port.
      const { server } = await startTarget(target, prepared, { ipc: true });
      t.after(() => server.stop('SIGKILL'));
      assert.ok(server.child.connected, 'the server has an IPC channel');
      void server.stop(); // sends the message; a server that ignores it keeps running
      assert.deepEqual(await exitWithin(server, 5000), { code: 0, signal: null });
      assert.equal(server.out.at(-1), 'server closed');
    });
  }
});

// Windows refuses symbolic links (EPERM) without admin rights or Developer Mode: the tests that
// make one must skip then, saying why, and not fail. This file is run again with every link
// refused, as there.
test('where no symbolic link can be made, the tests that need one skip and say why', {
  skip: process.env.SOCKET_LESSONS_NO_SYMLINKS === '1' && 'this is the run without links',
}, async () => {
  const file = path.join(repo, 'tests', 'helpers.test.ts');
  const only = '--test-name-pattern=resolveInside';
  const args = ['--import', tsx, ...noSymlinks, '--test-reporter=tap', only, file];
  // NODE_TEST_CONTEXT would make the run report to this test runner, not print TAP.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const run = spawnProgram(process.execPath, args, { env });
  const exit = await run.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, [...run.out, ...run.err].join('\n'));
  const skips = run.out.filter((line) => / # SKIP .*cannot make a symbolic link/.test(line));
  assert.equal(skips.length, 3, run.out.join('\n'));
  assert.ok(run.out.includes('# fail 0'), run.out.join('\n'));
});
