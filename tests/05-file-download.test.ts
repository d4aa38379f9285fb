import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from '../scripts/lib/peer.ts';
import { root, runLesson, spawnProgram, startServer } from '../scripts/lib/proc.ts';
import {
  articleFileServer,
  assertBadRoots,
  assertCleanStop,
  assertNoServer,
  md5Of,
  noPython,
  norm,
  python,
  startPython,
  transferFiles,
} from '../scripts/lib/testing.ts';

const serverFile = 'lessons/05-file-download/server.ts';
const clientFile = 'lessons/05-file-download/client.ts';

/**
 * The server's and the client's `node` commands in the README's "Run it" block, as words after
 * `node`. Every other command there (Deno, Bun) for the same file must take the same arguments.
 */
function runItCommands(...files: string[]): string[][] {
  const readme = readFileSync(path.join(root, path.dirname(files[0]), 'README.md'), 'utf8');
  const section = readme.split('## Run it')[1]?.split('\n## ')[0] ?? '';
  const commands = [
    ...section.matchAll(/^(?:node|deno run(?: --allow-\S+)*|bun) (\S+\.ts)(.*?)\s*(?:#.*)?$/gm),
  ];
  return files.map((file) => {
    const mine = commands
      .filter((command) => command[1] === file)
      .map((command) => command[2].trim());
    assert.ok(mine.length > 0, `no command for ${file} in Run it`);
    assert.deepEqual(
      mine,
      Array(mine.length).fill(mine[0]),
      `${file}: the same arguments on every runtime`,
    );
    return [file, ...mine[0].split(/\s+/).filter(Boolean)];
  });
}

/** Connect, send `name` (then half-close, unless `halfClose` is false) and collect the reply. */
async function ask(port: number, name: string | Buffer, halfClose = true): Promise<Buffer> {
  const socket = await connect(port);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  if (halfClose) socket.end(name);
  else socket.write(name); // like the article's client: send, then wait without closing
  await once(socket, 'end');
  socket.destroy();
  return Buffer.concat(chunks);
}

describe('05-file-download', () => {
  const files = transferFiles();
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer(serverFile, ['--root', files.root]);
  });
  after(async () => {
    await server.stop();
    files.remove();
  });
  const download = (name: string) =>
    runLesson(clientFile, ['--port', String(server.port), '--file', name], {
      cwd: files.downloads,
    });

  test('1 B, 1025 B and 20 MiB arrive byte-exact; the server logs each one', async () => {
    for (const name of ['one.bin', 'k.bin', 'big.bin']) {
      const size = files.sizes[name as keyof typeof files.sizes];
      const from = server.out.length;
      const result = await download(name);
      const copy = `[复件]${name}`;
      assert.deepEqual(result, {
        code: 0,
        signal: null,
        out: [`saved ${size} bytes to ${copy}`],
        err: [],
      });
      assert.equal(md5Of(path.join(files.downloads, copy)), md5Of(path.join(files.root, name)));
      await server.waitFor(/disconnected$/, from);
      assert.deepEqual(norm(server.out.slice(from), server.port, 7890), [
        '127.0.0.1:50001 connected',
        `127.0.0.1:50001 wants: '${name}'`,
        `127.0.0.1:50001 sent '${name}' (${size} bytes)`,
        '127.0.0.1:50001 disconnected',
      ]);
    }
  });

  test('an empty file and a missing file both bring nothing, and no file is written', async () => {
    for (const [name, log] of [
      ['empty.bin', "sent 'empty.bin' (0 bytes)"],
      ['missing.bin', 'no such file; sent nothing'],
    ]) {
      const from = server.out.length;
      const result = await download(name);
      assert.deepEqual(
        [result.code, result.out, result.err],
        [
          1,
          [],
          [`the server sent nothing for '${name}' (missing, refused or empty); nothing saved`],
        ],
      );
      assert.equal(existsSync(path.join(files.downloads, `[复件]${name}`)), false);
      await server.waitFor(/disconnected$/, from);
      assert.equal(norm(server.out.slice(from), server.port, 7890)[2], `127.0.0.1:50001 ${log}`);
    }
  });

  test('names that lead out of the root are refused, logged, and get nothing', async (t) => {
    const cases: [string, string][] = [
      ['../secret.txt', "'..' leads out of the folder"],
      ['sub/../../secret.txt', "'..' leads out of the folder"],
      [path.join(files.base, 'secret.txt'), 'an absolute path'],
      ['k.bin\0.txt', 'empty, or has a NUL byte'],
    ];
    // The link escape.txt, unless links cannot be made here (Windows without admin rights).
    if (!files.noLinks) cases.push(['escape.txt', 'a link that leads out of the folder']);
    for (const [name, why] of cases) {
      const from = server.out.length;
      assert.equal((await ask(server.port, name)).length, 0, name);
      await server.waitFor(/disconnected$/, from);
      assert.equal(
        server.out[from + 2].replace(/^\S+ /, ''),
        `refused '${name}': ${why}; sent nothing`,
      );
    }
    const refused = await download('../secret.txt');
    assert.equal(refused.code, 1);
    assert.deepEqual(
      readdirSync(files.downloads).filter((name) => name.includes('secret')),
      [],
    );
    if (files.noLinks) t.skip(`escape.txt not tried: ${files.noLinks}`);
  });

  // `echo k.bin | nc 127.0.0.1 7890` sends `k.bin\n`; a Windows terminal may send `k.bin\r\n`.
  test('one trailing newline is not part of the name; the log quotes the name, newlines written out', async () => {
    const k = readFileSync(path.join(files.root, 'k.bin'));
    for (const ending of ['\n', '\r\n']) {
      const from = server.out.length;
      assert.ok((await ask(server.port, `k.bin${ending}`)).equals(k), JSON.stringify(ending));
      await server.waitFor(/disconnected$/, from);
      assert.equal(
        norm(server.out.slice(from), server.port, 7890)[1],
        "127.0.0.1:50001 wants: 'k.bin'",
      );
    }
    const from = server.out.length;
    assert.equal((await ask(server.port, 'k.bin\n\n')).length, 0, 'only one newline is dropped');
    await server.waitFor(/disconnected$/, from);
    assert.deepEqual(norm(server.out.slice(from), server.port, 7890).slice(1, 3), [
      "127.0.0.1:50001 wants: 'k.bin\\n'",
      '127.0.0.1:50001 no such file; sent nothing',
    ]);
  });

  test("the README's Run it commands work as written, on the lesson's sample folder", async (t) => {
    const [serverLine, clientLine] = runItCommands(serverFile, clientFile);
    assert.deepEqual(serverLine.slice(0, 3), [
      serverFile,
      '--root',
      'lessons/05-file-download/files',
    ]);
    const sample = await startServer(serverLine[0], serverLine.slice(1)); // in the repo's root
    t.after(() => sample.stop());
    const result = await runLesson(
      clientLine[0],
      [...clientLine.slice(1), '--port', String(sample.port)],
      {
        cwd: files.downloads,
      },
    );
    const name = clientLine[clientLine.indexOf('--file') + 1];
    const original = readFileSync(path.join(root, 'lessons/05-file-download/files', name));
    assert.deepEqual(result.out, [`saved ${original.length} bytes to [复件]${name}`]);
    assert.ok(readFileSync(path.join(files.downloads, `[复件]${name}`)).equals(original));
    assert.match(original.toString(), /\p{Script=Han}/u, 'the sample has Chinese text');
  });

  test("a client that sends the name and waits without closing (the article's) gets the file", async () => {
    const reply = await ask(server.port, 'k.bin', false);
    assert.ok(reply.equals(readFileSync(path.join(files.root, 'k.bin'))));
  });

  test('bad arguments exit 2; no server exits 1', async () => {
    const noFile = await runLesson(clientFile, []);
    assert.deepEqual(
      [noFile.code, noFile.err],
      [
        2,
        [
          'error: say which file to download with --file NAME',
          'usage: client.ts --file NAME [--host 127.0.0.1] [--port 7890]',
        ],
      ],
    );
    await assertBadRoots(serverFile);
    await assertNoServer(clientFile, ['--file', 'a.txt']);
  });

  test('Ctrl+C closes the server cleanly', async () => {
    await assertCleanStop(server);
  });
});

// The articles' own programs, reduced to their socket calls (000 "示例3"), against ours.
const articleClient = `
import socket, sys
tcp_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp_socket.connect(("127.0.0.1", int(sys.argv[1])))
want_file = sys.argv[2]
tcp_socket.send(want_file.encode("utf-8"))
file_data = tcp_socket.recv(1024)
if file_data:
    with open("[复件]" + want_file, "wb") as f:
        f.write(file_data)
tcp_socket.close()
`;

describe("05-file-download and the article's Python programs", { skip: noPython }, () => {
  const files = transferFiles();
  after(() => files.remove());

  test('the article client gets our file, cut at its one recv(1024)', async () => {
    const server = await startServer(serverFile, ['--root', files.root]);
    for (const [name, size] of [
      ['one.bin', 1],
      ['k.bin', 1024],
    ] as const) {
      const peer = spawnProgram(python, ['-c', articleClient, String(server.port), name], {
        cwd: files.downloads,
      });
      assert.deepEqual((await peer.exited).code, 0);
      const copy = readFileSync(path.join(files.downloads, `[复件]${name}`));
      assert.ok(copy.equals(readFileSync(path.join(files.root, name)).subarray(0, size)));
    }
    await server.stop();
  });

  test('our client gets a whole 20 MiB file from the article server', async () => {
    const peer = await startPython(articleFileServer, files.root);
    const result = await runLesson(clientFile, ['--port', String(peer.port), '--file', 'big.bin'], {
      cwd: files.downloads,
    });
    await peer.stop('SIGKILL');
    assert.deepEqual(result.out, [`saved ${20 * 1024 * 1024} bytes to [复件]big.bin`]);
    assert.equal(
      md5Of(path.join(files.downloads, '[复件]big.bin')),
      md5Of(path.join(files.root, 'big.bin')),
    );
  });
});
