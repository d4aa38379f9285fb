// Unit tests for the parts of shared/helpers.ts that no lesson exercises yet.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { explain, hostPort, readExactly, resolveInside } from '../shared/helpers.ts';

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
  symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'escape.txt'));
  symlinkSync(path.join(root, 'sub', 'ok.txt'), path.join(root, 'inside.txt'));
  after(() => rmSync(base, { recursive: true, force: true }));

  test('serves files inside the root, through links that stay inside', async () => {
    assert.equal(path.basename(await resolveInside(root, 'sub/ok.txt')), 'ok.txt');
    assert.equal(path.basename(await resolveInside(root, 'inside.txt')), 'ok.txt');
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
    '.',
  ]) {
    test(`refuses ${JSON.stringify(name)}`, async () => {
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
