// One corpus of path-traversal attempts, thrown at every server that hands out files. Not one
// byte from outside the served folder may come back, while the files inside are served.
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, readAll, readUntil, within } from '../scripts/lib/peer.ts';
import { root, startServer } from '../scripts/lib/proc.ts';
import { fileRoot, HELLO } from '../scripts/lib/targets.ts';
import { makeLink } from '../scripts/lib/testing.ts';

const files = fileRoot();
const secret = path.join(files.base, 'secret.txt');
after(files.cleanup);
// A link inside that leads outside, and one that stays inside. Where links cannot be made
// (Windows without admin rights), the tests that need them skip and say why.
const noLinks =
  makeLink(secret, path.join(files.root, 'escape.txt')) ||
  makeLink(path.join(files.root, 'hello.txt'), path.join(files.root, 'inside.txt'));

/** Names a client might send to reach outside the root. */
const attempts = [
  '../secret.txt',
  '..\\secret.txt',
  '../../../../../../../../etc/passwd',
  '/etc/passwd',
  secret,
  'C:\\Windows\\win.ini',
  '\\\\server\\share\\secret.txt',
  '%2e%2e%2fsecret.txt',
  '%2e%2e/secret.txt',
  '..%2fsecret.txt',
  '%2e%2e%5csecret.txt',
  '....//secret.txt',
  'sub/../../secret.txt',
  './../secret.txt',
  'hello.txt/../../secret.txt',
  'hello.txt\0../secret.txt',
  '../secret.txt\0hello.txt',
  'escape.txt',
  `${'a/'.repeat(3000)}../secret.txt`,
  '.',
  '',
];
/**
 * Names (not attempts to get out) whose errors Node words with the whole path it tried
 * (ENAMETOOLONG, ENOTDIR): the answer to them, as to every name, must not carry that path.
 */
const erroneous = ['z'.repeat(300), `sub/${'z'.repeat(300)}.txt`, 'hello.txt/x'];
/** The server's folders, as given and as resolved: no answer may name them. */
const ownPaths = [files.base, realpathSync(files.base), root];

interface FileServer {
  lesson: string;
  file: string;
  /** What the server sends back for a name. */
  fetch: (port: number, name: string) => Promise<Buffer>;
}

const servers: FileServer[] = [
  {
    lesson: '09-http-server',
    file: 'lessons/09-http-server/server.ts',
    async fetch(port, name) {
      // The name as a URL path, raw (no encoding of our own): a browser or curl may send any of it.
      const socket = await connect(port);
      const answer = readAll(socket);
      const target = `/${name.replace(/[\r\n ]/g, '')}`;
      socket.end(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      return within(5000, `09 ${JSON.stringify(name)}`, answer);
    },
  },
  {
    lesson: '05-file-download',
    file: 'lessons/05-file-download/server.ts',
    async fetch(port, name) {
      const socket = await connect(port);
      const answer = readAll(socket);
      socket.end(name);
      return within(5000, `05 ${JSON.stringify(name)}`, answer);
    },
  },
  {
    lesson: '07-ftp-get',
    file: 'lessons/07-ftp-get/server.ts',
    async fetch(port, name) {
      // `get NAME`: the answer is a size (the file was found) or an `error: ...` line.
      const socket = await connect(port);
      const answer = readUntil(socket, (got) => /^(\d+|error: .+)$/s.test(got.toString()));
      socket.write(`get ${name}`);
      const got = await within(5000, `07 ${JSON.stringify(name)}`, answer);
      socket.destroy();
      return got;
    },
  },
];

for (const server of servers) {
  describe(`${server.lesson} serves nothing from outside its root`, () => {
    let running: Awaited<ReturnType<typeof startServer>>;
    before(async () => {
      const args = server.lesson === '09-http-server' ? [] : ['--root', files.root];
      running = await startServer(server.file, args);
    });
    after(() => running.stop());

    // 09 serves its two pages only; the others must still serve the files they hold.
    if (server.lesson !== '09-http-server') {
      test('files inside the root, and links that stay inside, are served', async (t) => {
        const expected = server.lesson === '07-ftp-get' ? String(Buffer.byteLength(HELLO)) : HELLO;
        for (const name of noLinks ? ['hello.txt'] : ['hello.txt', 'inside.txt']) {
          assert.equal((await server.fetch(running.port, name)).toString(), expected, name);
        }
        if (noLinks) t.skip(`inside.txt not tried: ${noLinks}`);
      });
    }

    for (const name of [...attempts, ...erroneous]) {
      test(`refuses ${JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name)}`, async (t) => {
        if (name === 'escape.txt' && noLinks) return t.skip(noLinks);
        const answer = (await server.fetch(running.port, name)).toString();
        assert.ok(
          !answer.includes('TOP SECRET') && !answer.includes('root:'),
          answer.slice(0, 200),
        );
        if (server.lesson === '07-ftp-get') assert.match(answer, /^error: /);
        else if (server.lesson === '09-http-server') assert.match(answer, /^HTTP\/1\.1 (400|404) /);
        else assert.equal(answer, '');
        // (A name that holds the path itself may be quoted back: the client knew it already.)
        for (const own of ownPaths.filter((own) => !name.includes(own))) {
          assert.ok(!answer.includes(own), answer.slice(0, 400));
        }
        if (server.lesson === '07-ftp-get' && name === erroneous[0]) {
          assert.equal(answer, 'error: name too long');
        }
        assert.equal(running.child.exitCode, null, 'the server is still running');
      });
    }
  });
}

// `--root /`, or a drive root such as C:\ on Windows: a root that already ends with the
// separator. The files under it are served; '..' is still refused.
for (const server of servers.filter((each) => each.lesson !== '09-http-server')) {
  test(`${server.lesson} with --root at the top of the drive serves the files under it`, async (t) => {
    const hello = realpathSync(path.join(files.root, 'hello.txt'));
    const top = path.parse(hello).root;
    const running = await startServer(server.file, ['--root', top]);
    t.after(() => running.stop());
    const expected = server.lesson === '07-ftp-get' ? String(Buffer.byteLength(HELLO)) : HELLO;
    const name = path.relative(top, hello);
    assert.equal((await server.fetch(running.port, name)).toString(), expected, name);
    const refused = (await server.fetch(running.port, `../${name}`)).toString();
    if (server.lesson === '07-ftp-get') assert.match(refused, /^error: refused .*'\.\.' leads out/);
    else assert.equal(refused, '');
  });
}
