import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { escapeHtml, parseHead } from '../lessons/09-http-server/http.ts';
import { connect, readAll, within } from '../scripts/lib/peer.ts';
import { root, runLesson, spawnLesson, spawnProgram, startServer } from '../scripts/lib/proc.ts';
import { exitWithin, fakeServer, freeTcpPort, norm } from '../scripts/lib/testing.ts';

const dir = 'lessons/09-http-server';
const serverFile = `${dir}/server.ts`;
const clientFile = `${dir}/client.ts`;
// The page as the server sends it: with LF line ends, whatever the checkout gave the file.
const page = (name: string) =>
  readFileSync(path.join(root, dir, name), 'utf8').replaceAll('\r\n', '\n');
const welcome = page('welcome.html').replace('{{content}}', '127.0.0.1');
const other = page('other.html');
const html = 'Content-Type: text/html; charset=utf-8';
const text = 'Content-Type: text/plain; charset=utf-8';
const imfDate = /^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/;

/** The head we expect, with the Date shown as `Date: (now)`. */
function head(status: string, body: string, fields: string[]) {
  const length = `Content-Length: ${Buffer.byteLength(body)}`;
  return [`HTTP/1.1 ${status}`, 'Date: (now)', 'Server: PWS1.0', length, ...fields];
}
const error = (status: string) => ({
  head: head(status, `${status}\n`, [text, 'Connection: close']),
  body: `${status}\n`,
});

/** Everything a test opens, closed (newest first) after the tests, even when one fails. */
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const each of cleanup.reverse()) await each();
});

/** A raw connection that reads whole responses, by Content-Length, as a browser does. */
async function open(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  cleanup.push(() => socket.destroy());
  socket.on('error', () => {});
  await once(socket, 'connect');
  let buffered = Buffer.alloc(0);
  let ended = false;
  const wakers = new Set<() => void>();
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (const wake of wakers) wake();
  });
  socket.on('end', () => {
    ended = true;
    for (const wake of wakers) wake();
  });
  const until = (ready: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!ready()) return;
        wakers.delete(check);
        resolve();
      };
      wakers.add(check);
      check();
    });
  /** The next response; `withBody` false after a HEAD request. */
  const response = async (withBody = true) => {
    await until(() => buffered.includes('\r\n\r\n') || ended);
    const end = buffered.indexOf('\r\n\r\n');
    assert.ok(end >= 0, `closed before a whole response: ${JSON.stringify(buffered.toString())}`);
    const lines = buffered.subarray(0, end).toString('latin1').split('\r\n');
    const date = lines.find((line) => line.startsWith('Date: '));
    if (date) assert.match(date, imfDate);
    const length = Number(lines.find((line) => /^content-length:/i.test(line))?.slice(15) ?? 0);
    const stop = end + 4 + (withBody ? length : 0);
    await until(() => buffered.length >= stop || ended);
    const body = buffered.subarray(end + 4, stop).toString('utf8');
    buffered = buffered.subarray(stop);
    return { head: lines.map((line) => (line === date ? 'Date: (now)' : line)), body };
  };
  /** Resolves with whatever came after the last response, once the server has closed. */
  const closed = async () => {
    await until(() => ended);
    return buffered.toString();
  };
  return { socket, response, closed, send: (data: string | Buffer) => socket.write(data) };
}

const chromium = '/usr/bin/chromium';
const clientUsage = 'usage: client.ts [--host 127.0.0.1] [--port 8080] [--path /go] [--timeout 10]';

/** A TCP server that reads a request, calls `answer` once, and never closes on its own. */
async function quietServer(answer: (socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const fake = await fakeServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => answer(socket));
  });
  cleanup.push(() => {
    for (const socket of sockets) socket.destroy();
    return fake.close();
  });
  return fake;
}

const get = (target: string, ...fields: string[]) =>
  [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...fields, '', ''].join('\r\n');

describe('09-http-server', { timeout: 30000 }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer(serverFile);
    cleanup.push(() => server.stop());
  });

  test('the client gets /go with our IP, and a 404 page for any other path', async () => {
    const from = server.out.length;
    const args = ['--port', String(server.port)];
    const result = await runLesson(clientFile, args);
    const lines = (body: string) => body.trimEnd().split('\n');
    assert.deepEqual([result.code, result.err], [0, []]);
    assert.match(result.out[1], imfDate);
    assert.deepEqual(result.out.toSpliced(1, 1, 'Date: (now)'), [
      ...head('200 OK', welcome, [html]),
      '',
      ...lines(welcome),
    ]);
    const missing = await runLesson(clientFile, [...args, '--path', '/nothing?x=1']);
    assert.deepEqual(missing.out.toSpliced(1, 1, 'Date: (now)'), [
      ...head('404 Not Found', other, [html]),
      '',
      ...lines(other),
    ]);
    await server.waitFor(/disconnected$/, from + 4);
    assert.deepEqual(norm(server.out.slice(from, from + 6), server.port, 8080), [
      '127.0.0.1:50001 connected',
      '127.0.0.1:50001 GET /go -> 200 OK',
      '127.0.0.1:50001 disconnected',
      '127.0.0.1:50002 connected',
      '127.0.0.1:50002 GET /nothing?x=1 -> 404 Not Found',
      '127.0.0.1:50002 disconnected',
    ]);
  });

  test('a request that arrives one byte at a time is read whole', async () => {
    const connection = await open(server.port);
    connection.socket.setNoDelay(true);
    for (const byte of Buffer.from(get('/go'))) {
      await new Promise((resolve) => connection.socket.write(Buffer.of(byte), resolve));
    }
    assert.deepEqual(await connection.response(), {
      head: head('200 OK', welcome, [html]),
      body: welcome,
    });
  });

  test('keep-alive: one connection serves requests until Connection: close', async () => {
    const from = server.out.length;
    const connection = await open(server.port);
    connection.send(get('/go'));
    assert.deepEqual((await connection.response()).head, head('200 OK', welcome, [html]));
    connection.send(get('/other'));
    assert.deepEqual((await connection.response()).head, head('404 Not Found', other, [html]));
    connection.send(get('/go', 'Connection: close') + get('/never-answered'));
    assert.deepEqual(await connection.response(), {
      head: head('200 OK', welcome, [html, 'Connection: close']),
      body: welcome,
    });
    assert.equal(await connection.closed(), '');
    const me = `127.0.0.1:${connection.socket.localPort} `;
    await server.waitFor(new RegExp(`^${me}disconnected$`), from);
    // Only this connection's lines: the last test's log line may still be on its way.
    const mine = server.out.slice(from).filter((line) => line.startsWith(me));
    assert.deepEqual(norm(mine, server.port, 8080), [
      '127.0.0.1:50001 connected',
      '127.0.0.1:50001 GET /go -> 200 OK',
      '127.0.0.1:50001 GET /other -> 404 Not Found',
      '127.0.0.1:50001 GET /go -> 200 OK',
      '127.0.0.1:50001 disconnected',
    ]);
  });

  test('two requests in one write get two answers, in order', async () => {
    const connection = await open(server.port);
    connection.send(`\r\n${get('/x')}${get('/go')}`); // a stray newline first is allowed
    assert.equal((await connection.response()).head[0], 'HTTP/1.1 404 Not Found');
    assert.equal((await connection.response()).head[0], 'HTTP/1.1 200 OK');
  });

  test('HEAD gets the same head as GET and no body', async () => {
    const connection = await open(server.port);
    connection.send(get('/go').replace('GET', 'HEAD'));
    assert.deepEqual(await connection.response(false), {
      head: head('200 OK', welcome, [html]),
      body: '',
    });
    // Had a body come, it would sit in front of the next answer.
    connection.send(get('/go'));
    assert.equal((await connection.response()).head[0], 'HTTP/1.1 200 OK');
  });

  test('other methods get 405 with Allow; a body is skipped and the connection kept', async () => {
    const connection = await open(server.port);
    const body = 'x'.repeat(100_000); // more than one read
    const post = ['POST /go HTTP/1.1', 'Host: 127.0.0.1', `Content-Length: ${body.length}`];
    connection.send(`${post.join('\r\n')}\r\n\r\n${body}${get('/go')}`);
    const status = '405 Method Not Allowed';
    assert.deepEqual(await connection.response(), {
      head: head(status, `${status}\n`, [text, 'Allow: GET, HEAD']),
      body: `${status}\n`,
    });
    assert.equal((await connection.response()).head[0], 'HTTP/1.1 200 OK');
  });

  const refused: [string, string, string][] = [
    ['garbage', 'hello\r\n\r\n', '400 Bad Request'],
    ['no version', 'GET /go\r\n\r\n', '400 Bad Request'],
    ['a field without a colon', 'GET /go HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n', '400 Bad Request'],
    ['HTTP/1.1 without Host', 'GET /go HTTP/1.1\r\n\r\n', '400 Bad Request'],
    ['two lengths', get('/go', 'Content-Length: 1', 'Content-Length: 2'), '400 Bad Request'],
    ['a bad target', 'GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n', '400 Bad Request'],
    ['HTTP/2.0', 'GET /go HTTP/2.0\r\n\r\n', '505 HTTP Version Not Supported'],
    ['a chunked body', get('/go', 'Transfer-Encoding: chunked'), '501 Not Implemented'],
    [
      'a head over 8 KiB',
      get('/go', `X-Big: ${'a'.repeat(9000)}`),
      '431 Request Header Fields Too Large',
    ],
    ['8 KiB without a newline', 'a'.repeat(9000), '431 Request Header Fields Too Large'],
  ];
  for (const [what, request, status] of refused) {
    test(`${what}: ${status}, then the server closes`, async () => {
      const connection = await open(server.port);
      connection.send(request);
      assert.deepEqual(await connection.response(), error(status));
      assert.equal(await connection.closed(), '');
    });
  }

  test('HTTP/1.0 gets Connection: close, and the connection closes', async () => {
    const connection = await open(server.port);
    connection.send('GET /go HTTP/1.0\r\n\r\n');
    assert.deepEqual(await connection.response(), {
      head: head('200 OK', welcome, [html, 'Connection: close']),
      body: welcome,
    });
    assert.equal(await connection.closed(), '');
  });

  test('the /go page HTML-escapes what it puts in', () => {
    assert.equal(
      escapeHtml(`<b>"Tom" & 'Jerry'</b>`),
      '&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;',
    );
    assert.equal(escapeHtml('::ffff:127.0.0.1'), '::ffff:127.0.0.1');
    const parsed = parseHead('GET http://example.com/go?x HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nx-a: 2');
    assert.ok(typeof parsed === 'object');
    assert.deepEqual([parsed.path, parsed.headers.get('x-a')], ['/go', '1, 2']);
  });
});

describe('09-http-server: timeouts, files, peers', { timeout: 30000 }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    // Started from another folder: the templates are found beside server.ts all the same.
    server = await startServer(serverFile, ['--header-timeout', '0.3'], { cwd: tmpdir() });
    cleanup.push(() => server.stop());
  });

  test('a silent connection is closed after the header timeout', async () => {
    const connection = await open(server.port);
    assert.equal(await connection.closed(), '');
  });

  test('a request that stalls half-way gets 408', async () => {
    const connection = await open(server.port);
    connection.send('GET /go HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    assert.deepEqual(await connection.response(), error('408 Request Timeout'));
    assert.equal(await connection.closed(), '');
  });

  test('an idle keep-alive connection is closed after the timeout too', async () => {
    const connection = await open(server.port);
    connection.send(get('/go'));
    assert.equal((await connection.response()).head[0], 'HTTP/1.1 200 OK');
    assert.equal(await connection.closed(), '');
  });

  const curl = spawnSync('curl', ['--version']).status === 0;
  const curlSkip = curl ? false : 'curl is not installed (Debian: apt-get install curl)';
  test('curl: GET, HEAD, DELETE, HTTP/1.0, and two URLs on one connection', {
    skip: curlSkip,
  }, async () => {
    const url = (target: string) => `http://127.0.0.1:${server.port}${target}`;
    const run = async (...args: string[]) => {
      const proc = spawnProgram('curl', ['-sS', ...args]);
      assert.equal((await proc.exited).code, 0, proc.err.join('\n'));
      return proc;
    };
    const dated = (lines: string[]) =>
      lines.map((line) => (imfDate.test(line) ? 'Date: (now)' : line));
    const lines = (body: string) => body.trimEnd().split('\n');
    const got = await run('-i', url('/go'));
    assert.deepEqual(dated(got.out), [...head('200 OK', welcome, [html]), '', ...lines(welcome)]);
    assert.deepEqual(dated((await run('-I', url('/go'))).out), [
      ...head('200 OK', welcome, [html]),
      '',
    ]);
    const status = '405 Method Not Allowed';
    assert.deepEqual(dated((await run('-i', '-X', 'DELETE', url('/go'))).out), [
      ...head(status, `${status}\n`, [text, 'Allow: GET, HEAD']),
      '',
      status,
    ]);
    const old = await run('-i', '--http1.0', url('/x'));
    assert.deepEqual(
      dated(old.out).slice(0, 6),
      head('404 Not Found', other, [html, 'Connection: close']),
    );
    const both = await run('-v', '-o', '/dev/null', '-o', '/dev/null', url('/go'), url('/x'));
    assert.ok(
      both.err.some((line) => /Re-using existing connection/i.test(line)),
      both.err.join('\n'),
    );
  });

  const browserSkip = existsSync(chromium)
    ? false
    : 'Chromium is not installed (Debian: apt-get install chromium)';
  test('Chromium shows the welcome page with the IP, and the 404 page', {
    skip: browserSkip,
  }, async () => {
    // Headless Chromium loads the page and prints the DOM it built from our bytes.
    const profile = mkdtempSync(path.join(tmpdir(), 'socket-lessons-chromium-'));
    cleanup.push(() => rmSync(profile, { recursive: true, force: true }));
    const render = async (page: string) => {
      const flags = [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
      ];
      // Nothing leaves this machine: no background requests, and every name but 127.0.0.1
      // fails to resolve inside Chromium itself, so it sends no DNS query either.
      const quiet = [
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-pings',
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ];
      const args = [...flags, ...quiet, `--user-data-dir=${profile}`, '--dump-dom'];
      const proc = spawnProgram(chromium, [...args, `http://127.0.0.1:${server.port}${page}`]);
      assert.equal((await proc.exited).code, 0, proc.err.join('\n'));
      return proc.out.join('\n');
    };
    const go = await render('/go');
    assert.match(go, /<h1>Welcome, visitor \(欢迎光临\)<\/h1>/);
    assert.match(go, /id="ip">127\.0\.0\.1</);
    assert.match(await render('/nothing'), /<h1>Page not found \(页面不存在\)<\/h1>/);
  });
});

describe('09-http-server: hello.ts and the client against other servers', {
  timeout: 20000,
}, () => {
  test("hello.ts answers every request with Hello, World, the article's one-liner done right", async () => {
    const hello = await startServer(`${dir}/hello.ts`);
    cleanup.push(() => hello.stop());
    const result = await runLesson(clientFile, ['--port', String(hello.port), '--path', '/']);
    assert.deepEqual(result.out, [
      'HTTP/1.1 200 OK',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Length: 12',
      'Connection: close',
      '',
      'Hello, World',
    ]);
    const connection = await open(hello.port); // in pieces, and more than 1 KiB
    connection.send(`GET / HTTP/1.1\r\nX-Pad: ${'p'.repeat(2000)}\r\n`);
    connection.send('\r\n');
    assert.equal((await connection.response()).body, 'Hello, World');
    assert.equal(await connection.closed(), '');
  });

  test("the client reads until close when there is no Content-Length, as from the article's server", async () => {
    const fake = await fakeServer(async (socket) => {
      await once(socket, 'data');
      socket.write('HTTP/1.1 200 OK\r\nServer: PWS1.0\r\n'); // the head in two pieces
      socket.write('\r\n<h1>找');
      socket.end('不到页面</h1>');
    });
    cleanup.push(() => fake.close());
    const result = await runLesson(clientFile, ['--port', String(fake.port)]);
    assert.deepEqual(
      [result.code, result.out],
      [0, ['HTTP/1.1 200 OK', 'Server: PWS1.0', '', '<h1>找不到页面</h1>']],
    );
  });

  test('a body cut short, or no head at all, is one error line and exit code 1', async () => {
    const fake = await fakeServer(async (socket) => {
      await once(socket, 'data');
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello');
    });
    cleanup.push(() => fake.close());
    const cut = await runLesson(clientFile, ['--port', String(fake.port)]);
    assert.deepEqual(
      [cut.code, cut.err],
      [1, ['error: the server closed after 5 of 10 body bytes']],
    );
    const silent = await fakeServer((socket) => socket.resume().end()); // reads, answers nothing
    cleanup.push(() => silent.close());
    const none = await runLesson(clientFile, ['--port', String(silent.port)]);
    assert.deepEqual(
      [none.code, none.err],
      [1, ['error: the server closed before a whole response head']],
    );
  });

  test('a server that accepts and never answers: --timeout gives up with one line', async () => {
    const silent = await quietServer(() => {}); // reads the request, says nothing
    const client = spawnLesson(clientFile, ['--port', String(silent.port), '--timeout', '0.5']);
    cleanup.push(() => client.stop('SIGKILL'));
    assert.deepEqual(await exitWithin(client, 5000), { code: 1, signal: null });
    const port = silent.port;
    assert.deepEqual(
      [client.out, client.err],
      [
        [],
        [
          `error: no answer from 127.0.0.1:${port} within 0.5 s; is it an HTTP server? ` +
            `(check what listens on that port: lsof -i :${port}, or netstat -ano | findstr :${port} on Windows)`,
        ],
      ],
    );
  });

  test('an answer that stops half-way times out too; one that keeps coming does not', async () => {
    const part = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello';
    const stalled = await quietServer((socket) => socket.write(part));
    const client = spawnLesson(clientFile, ['--port', String(stalled.port), '--timeout', '0.5']);
    cleanup.push(() => client.stop('SIGKILL'));
    assert.deepEqual(await exitWithin(client, 5000), { code: 1, signal: null });
    const bytes = Buffer.byteLength(part);
    assert.deepEqual(client.err, [
      `error: the answer from 127.0.0.1:${stalled.port} stopped after ${bytes} bytes; nothing more came within 0.5 s`,
    ]);
    // A slow server: ten pieces 150 ms apart take 1.5 s, but no wait between two is near 1 s.
    const slow = await quietServer((socket) => {
      const pieces = ['HTTP/1.1 200 OK\r\n', 'Content-Length: 8\r\n', '\r\n', ...'12345678'];
      const next = () => {
        if (socket.destroyed) return;
        socket.write(pieces.shift() ?? '');
        if (pieces.length > 0) setTimeout(next, 150);
      };
      next();
    });
    const patient = spawnLesson(clientFile, ['--port', String(slow.port), '--timeout', '1']);
    cleanup.push(() => patient.stop('SIGKILL'));
    assert.deepEqual(await exitWithin(patient, 10000), { code: 0, signal: null });
    assert.deepEqual(
      [patient.out, patient.err],
      [['HTTP/1.1 200 OK', 'Content-Length: 8', '', '12345678'], []],
    );
  });

  test('without its templates beside it, the server says so and exits 1', async () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'socket-lessons-no-templates-'));
    cleanup.push(() => rmSync(copy, { recursive: true, force: true }));
    mkdirSync(path.join(copy, dir), { recursive: true });
    mkdirSync(path.join(copy, 'shared'));
    for (const name of ['server.ts', 'connection.ts', 'http.ts']) {
      copyFileSync(path.join(root, dir, name), path.join(copy, dir, name));
    }
    copyFileSync(path.join(root, 'shared', 'helpers.ts'), path.join(copy, 'shared', 'helpers.ts'));
    const result = await runLesson(path.join(copy, serverFile), ['--port', '0']);
    assert.deepEqual(
      [result.code, result.out, result.err],
      [1, [], ['error: cannot read welcome.html beside server.ts (ENOENT)']],
    );
  });

  // A checkout on Windows may give the templates CRLF line ends (git's core.autocrlf): the page
  // must stay the same, and Content-Length must count the bytes that are really sent.
  test('templates with CRLF line ends give the same pages, with the length of what is sent', async () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'socket-lessons-crlf-templates-'));
    cleanup.push(() => rmSync(copy, { recursive: true, force: true }));
    mkdirSync(path.join(copy, dir), { recursive: true });
    mkdirSync(path.join(copy, 'shared'));
    for (const name of ['server.ts', 'connection.ts', 'http.ts']) {
      copyFileSync(path.join(root, dir, name), path.join(copy, dir, name));
    }
    for (const name of ['welcome.html', 'other.html']) {
      const lf = readFileSync(path.join(root, dir, name), 'utf8').replaceAll('\r\n', '\n');
      writeFileSync(path.join(copy, dir, name), lf.replaceAll('\n', '\r\n'));
    }
    copyFileSync(path.join(root, 'shared', 'helpers.ts'), path.join(copy, 'shared', 'helpers.ts'));
    const crlf = await startServer(path.join(copy, serverFile));
    cleanup.push(() => crlf.stop());
    for (const [target, status, expected] of [
      ['/go', '200 OK', welcome],
      ['/nothing', '404 Not Found', other],
    ]) {
      // Read to the close, not by Content-Length, so a wrong length cannot hide.
      const socket = await connect(crlf.port);
      const answer = readAll(socket);
      socket.end(get(target, 'Connection: close'));
      const bytes = await within(5000, target, answer);
      const end = bytes.indexOf('\r\n\r\n');
      const headLines = bytes.subarray(0, end).toString('latin1').split('\r\n');
      const body = bytes.subarray(end + 4);
      assert.equal(headLines[0], `HTTP/1.1 ${status}`);
      assert.ok(headLines.includes(`Content-Length: ${body.length}`), headLines.join('\n'));
      assert.equal(body.toString('utf8'), expected, `${target}: the page with LF line ends`);
    }
  });

  test('bad arguments exit 2; no server exits 1', async () => {
    const port = await freeTcpPort();
    const refused = await runLesson(clientFile, ['--port', String(port)]);
    assert.deepEqual(
      [refused.code, refused.err],
      [1, [`error: nothing is listening on 127.0.0.1:${port}; start the server first`]],
    );
    const badPath = await runLesson(clientFile, ['--path', 'go']);
    assert.deepEqual(
      [badPath.code, badPath.err],
      [2, ["error: invalid path 'go': start it with /", clientUsage]],
    );
    const badWait = await runLesson(clientFile, ['--timeout', '0']);
    assert.deepEqual(
      [badWait.code, badWait.err],
      [2, ["error: invalid number of seconds '0'", clientUsage]],
    );
    const badTimeout = await runLesson(serverFile, ['--header-timeout', '0']);
    assert.deepEqual(badTimeout.code, 2);
  });
});

const python = 'python3';
const pythonSkip =
  spawnSync(python, ['--version']).status === 0 ? false : 'python3 is not installed';

describe("09-http-server and the article's Python programs", {
  skip: pythonSkip,
  timeout: 20000,
}, () => {
  test("our client reads the article's server, which closes instead of sending a length", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'socket-lessons-article-http-'));
    cleanup.push(() => rmSync(folder, { recursive: true, force: true }));
    for (const name of ['welcome.html', 'other.html']) {
      copyFileSync(path.join(root, dir, name), path.join(folder, name)); // it reads from its cwd
    }
    const peers = path.join(root, 'tests', 'python', 'article_chat_http.py');
    const article = spawnProgram(python, ['-u', peers, 'http-server', '0'], { cwd: folder });
    cleanup.push(() => article.stop('SIGKILL'));
    const [, port] = await article.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/);
    const lines = (body: string) => body.trimEnd().split('\n');
    const go = await runLesson(clientFile, ['--port', port]);
    assert.deepEqual(go.out, ['HTTP/1.1 200 OK', 'Server: PWS1.0', '', ...lines(welcome)]);
    const missing = await runLesson(clientFile, ['--port', port, '--path', '/nothing']);
    // The article's 200 for a missing page, which this lesson's server answers with 404.
    assert.deepEqual(missing.out, ['HTTP/1.1 200 OK', 'Server: PWS1.0', '', ...lines(other)]);
  });

  test("Python's http.client, a client nobody here wrote, keeps one connection for four requests", async () => {
    const server = await startServer(serverFile);
    cleanup.push(() => server.stop());
    const script = [
      'import http.client, sys',
      'c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))',
      'for method, target in [("GET", "/go"), ("HEAD", "/go"), ("POST", "/go"), ("GET", "/x")]:',
      '    c.request(method, target, body=b"hi" if method == "POST" else None)',
      '    r = c.getresponse()',
      '    body = r.read()',
      '    print(method, target, r.status, r.reason, len(body), r.getheader("Allow"))',
    ].join('\n');
    const client = spawnProgram(python, ['-c', script, String(server.port)]);
    assert.deepEqual(await client.exited, { code: 0, signal: null }, client.err.join('\n'));
    const size = (body: string) => Buffer.byteLength(body);
    assert.deepEqual(client.out, [
      `GET /go 200 OK ${size(welcome)} None`,
      'HEAD /go 200 OK 0 None',
      'POST /go 405 Method Not Allowed 23 GET, HEAD',
      `GET /x 404 Not Found ${size(other)} None`,
    ]);
    await server.waitFor(/disconnected$/);
    assert.equal(server.out.filter((line) => line.endsWith(' connected')).length, 1);
  });
});
