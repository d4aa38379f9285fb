import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { makeCertificates } from '../scripts/demos/13-tls.ts';
import { connect, PATIENCE, readAll, within } from '../scripts/lib/peer.ts';
import { root, runLesson, spawnLesson, spawnProgram, startServer } from '../scripts/lib/proc.ts';
import {
  assertCleanStop,
  assertNoServer,
  exitWithin,
  fakeServer,
  norm,
} from '../scripts/lib/testing.ts';

const serverFile = path.join(root, 'lessons/13-tls/server.ts');
const clientFile = path.join(root, 'lessons/13-tls/client.ts');
const makeCert = path.join(root, 'lessons/13-tls/make-cert.ts');
const shellServer = path.join(root, 'lessons/13-tls/shell-server.ts');
const shellClient = path.join(root, 'lessons/13-tls/shell-client.ts');
// The shell's commands are POSIX shell, as in lesson 06's tests; cmd.exe has no `true` or `yes`.
const posixOnly = process.platform === 'win32' ? 'the commands need a POSIX shell' : false;
const run = promisify(execFile);
const has = (command: string, args: string[]) => spawnSync(command, args).status === 0;
const noOpenssl = has('openssl', ['version']) ? false : 'no openssl (apt-get install openssl)';
const noCurl = has('curl', ['--version']) ? false : 'no curl (apt-get install curl)';

/** A fresh folder for one group of tests; removed after them. */
function scratch() {
  const dir = mkdtempSync(path.join(tmpdir(), 'socket-lessons-13-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The page the server sends for /go, as the client prints it (the Date normalised). */
const page = (length = 58) => [
  'HTTP/1.1 200 OK',
  'Date: (date)',
  'Server: socket-lessons',
  'Content-Type: text/html; charset=utf-8',
  `Content-Length: ${length}`,
  'Connection: close',
  '',
  '<h1>Welcome, over TLS</h1>',
  '<p>your address: 127.0.0.1</p>',
];
const undate = (lines: string[]) =>
  lines.map((line) => line.replace(/^Date: .*GMT$/, 'Date: (date)'));

describe('13-tls: make-cert.ts with the real openssl', { skip: noOpenssl }, () => {
  const dir = scratch();

  test('makes a CA, a key and a certificate for localhost, 127.0.0.1 and ::1', async () => {
    const made = await runLesson(makeCert, ['--out', 'certs here'], { cwd: dir });
    const out = path.join('certs here');
    assert.deepEqual(made, {
      code: 0,
      signal: null,
      out: [
        'made a CA and a certificate for localhost, 127.0.0.1 and ::1, valid 30 days:',
        `  ${out}/ca.pem    the CA's certificate: what clients trust (--ca, --cacert)`,
        `  ${out}/cert.pem  the server's certificate, signed by that CA`,
        `  ${out}/key.pem   the server's private key: keep it secret, never commit it`,
        "the CA's own key is deleted: it can sign nothing else",
      ],
      err: [],
    });
    const folder = path.join(dir, out);
    // No CA key, no request, no settings left: only what the server and the clients need.
    assert.deepEqual(readdirSync(folder).sort(), ['.gitignore', 'ca.pem', 'cert.pem', 'key.pem']);
    assert.equal(readFileSync(path.join(folder, '.gitignore'), 'utf8'), '*\n');
    if (process.platform !== 'win32') {
      assert.equal(statSync(path.join(folder, 'key.pem')).mode & 0o777, 0o600);
    }
    const cert = new X509Certificate(readFileSync(path.join(folder, 'cert.pem')));
    const ca = new X509Certificate(readFileSync(path.join(folder, 'ca.pem')));
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.deepEqual([cert.checkIP('127.0.0.1'), cert.checkIP('::1')], ['127.0.0.1', '::1']);
    assert.equal(cert.checkHost('example.com'), undefined);
    assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'signed by the CA');
    assert.ok(ca.ca && !cert.ca, 'the CA is a CA, the server certificate is not');
    const verify = await run('openssl', ['verify', '-CAfile', 'ca.pem', 'cert.pem'], {
      cwd: folder,
    });
    assert.equal(verify.stdout, 'cert.pem: OK\n');
  });

  test('the server takes what it made, and our client trusts it', async (t) => {
    const certs = ['--certs', 'certs here'];
    const server = await startServer(serverFile, certs, { cwd: dir });
    t.after(() => server.stop());
    const port = String(server.port);
    const client = await runLesson(clientFile, ['--port', port, '--ca', 'certs here/ca.pem'], {
      cwd: dir,
    });
    assert.equal(client.code, 0, client.err.join('\n'));
    assert.deepEqual(undate(client.out), [
      `verified: 127.0.0.1:${port} has a certificate for 127.0.0.1 from the CA in certs here/ca.pem`,
      ...page(),
    ]);
  });

  test('bad arguments exit 2, a missing openssl exits 1, each with one line', async () => {
    const days = await runLesson(makeCert, ['--days', '0', '--out', 'x'], { cwd: dir });
    assert.deepEqual([days.code, days.err[0]], [2, "error: invalid --days '0': a number of days"]);
    const missing = await runLesson(makeCert, ['--openssl', 'no-such-openssl', '--out', 'y'], {
      cwd: dir,
    });
    assert.deepEqual(missing.err, [
      "error: cannot run 'no-such-openssl': install OpenSSL (or Git for Windows), or name it with --openssl",
    ]);
    assert.equal(missing.code, 1);
  });
});

describe('13-tls: make-cert.ts where it cannot write', () => {
  // mkdirSync(dir, { recursive: true }) never returns for /proc/x: mkdir says ENOENT there,
  // though /proc exists. make-cert.ts used it, and hung. Now: one line, exit 1, at once.
  const noProc = existsSync('/proc/self') ? false : 'no /proc here (Linux only)';
  test('--out /proc/x: one line and exit 1, no hang', { skip: noProc }, async (t) => {
    for (const out of ['/proc/x', '/proc/x/y']) {
      const made = spawnLesson(makeCert, ['--out', out], { stdin: [] });
      t.after(() => made.child.kill('SIGKILL'));
      assert.deepEqual(await exitWithin(made, PATIENCE), { code: 1, signal: null });
      assert.deepEqual(made.err, [`error: cannot write to ${out} (ENOENT)`]);
    }
  });
});

describe('13-tls: the server, and the client that checks it', () => {
  const dir = scratch();
  let server: Awaited<ReturnType<typeof startServer>>;
  let port: string;
  before(async () => {
    makeCertificates(path.join(dir, 'tls-certs'), 'the right CA');
    makeCertificates(path.join(dir, 'other-ca'), 'another CA');
    makeCertificates(path.join(dir, 'self'), 'unused', { selfSigned: true });
    makeCertificates(path.join(dir, 'elsewhere'), 'the right CA?', { dnsNames: ['example.test'] });
    makeCertificates(path.join(dir, 'old'), 'an old CA', { days: -1 });
    server = await startServer(serverFile, [], { cwd: dir });
    port = String(server.port);
  });
  after(() => server.stop());
  const client = (args: string[] = []) =>
    runLesson(clientFile, ['--port', port, ...args], { cwd: dir });

  test('GET /go: verified first, then the page; the server logs the whole exchange', async () => {
    const from = server.out.length;
    const result = await client();
    assert.deepEqual([result.code, result.err], [0, []]);
    assert.deepEqual(undate(result.out), [
      `verified: 127.0.0.1:${port} has a certificate for 127.0.0.1 from the CA in tls-certs/ca.pem`,
      ...page(),
    ]);
    await server.waitFor(/disconnected$/, from);
    assert.deepEqual(norm(server.out.slice(from), server.port, 8443), [
      '127.0.0.1:50001 connected',
      '127.0.0.1:50001 handshake done: TLSv1.3',
      '127.0.0.1:50001 asked: GET /go HTTP/1.1',
      '127.0.0.1:50001 disconnected',
    ]);
  });

  test('another path is a 404', async () => {
    const result = await client(['--path', '/nothing']);
    assert.deepEqual(undate(result.out).slice(1, 6), [
      'HTTP/1.1 404 Not Found',
      'Date: (date)',
      'Server: socket-lessons',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Length: 20',
    ]);
    assert.equal(result.out.at(-1), 'no page at /nothing');
  });

  // Each certificate the client must refuse: the server's folder, the CA the client trusts, and
  // the reason it prints.
  const refusals: [string, string, string, string][] = [
    [
      'a certificate from another CA',
      'tls-certs',
      'other-ca/ca.pem',
      'its certificate is not signed by the CA in other-ca/ca.pem (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
    ],
    [
      'a self-signed certificate',
      'self',
      'tls-certs/ca.pem',
      'its certificate is self-signed, not signed by tls-certs/ca.pem (DEPTH_ZERO_SELF_SIGNED_CERT)',
    ],
    [
      'a certificate for another name',
      'elsewhere',
      'elsewhere/ca.pem',
      'its certificate is not for 127.0.0.1 (ERR_TLS_CERT_ALTNAME_INVALID)',
    ],
    [
      'an expired certificate',
      'old',
      'old/ca.pem',
      'its certificate has expired: make a new one with make-cert.ts (CERT_HAS_EXPIRED)',
    ],
  ];
  for (const [what, certs, ca, reason] of refusals) {
    test(`refuses ${what}, and sends it nothing`, async (t) => {
      // A server with that certificate, which counts every byte of request it gets.
      const pem = (name: string) => readFileSync(path.join(dir, certs, name));
      let received = 0;
      const impostor = tls.createServer({ key: pem('key.pem'), cert: pem('cert.pem') }, (s) => {
        s.on('error', () => {});
        s.on('data', (chunk: Buffer) => {
          received += chunk.length;
        });
      });
      impostor.on('tlsClientError', () => {});
      impostor.listen(0, '127.0.0.1');
      await once(impostor, 'listening');
      t.after(() => impostor.close());
      const at = String((impostor.address() as { port: number }).port);
      const result = await runLesson(clientFile, ['--port', at, '--ca', ca], { cwd: dir });
      assert.deepEqual(
        [result.code, result.out, result.err],
        [1, [], [`error: 127.0.0.1:${at} is not the server we trust: ${reason}`]],
      );
      assert.equal(received, 0, 'not one byte of the request reached it');
    });
  }

  test('::1 and localhost are in the certificate too', async (t) => {
    const six = await startServer(serverFile, ['--host', '::1'], { cwd: dir }).catch(() => null);
    if (!six) return t.skip('no IPv6 loopback here');
    t.after(() => six.stop());
    const result = await runLesson(clientFile, ['--host', '::1', '--port', String(six.port)], {
      cwd: dir,
    });
    assert.equal(
      result.out[0],
      `verified: [::1]:${six.port} has a certificate for ::1 from the CA in tls-certs/ca.pem`,
    );
    const named = await client(['--host', 'localhost']);
    assert.equal(named.code, 0, named.err.join('\n'));
  });

  test('a server that does not speak TLS, and no server at all: one line, exit 1', async () => {
    const plain = await fakeServer((socket) => {
      socket.on('error', () => {});
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').resume(); // read, to close
    });
    const result = await runLesson(clientFile, ['--port', String(plain.port)], { cwd: dir });
    await plain.close();
    assert.deepEqual(
      [result.code, result.err],
      [1, [`error: 127.0.0.1:${plain.port} does not speak TLS: is it a plain TCP server?`]],
    );
    await assertNoServer(clientFile, [], { cwd: dir });
  });

  test('missing certificate files: exit 2, and the line says how to make them', async () => {
    const noCerts = await runLesson(serverFile, ['--port', '0', '--certs', 'nowhere'], {
      cwd: dir,
    });
    assert.deepEqual(
      [noCerts.code, noCerts.err[0]],
      [
        2,
        `error: cannot read ${path.join('nowhere', 'key.pem')}: make it first with node lessons/13-tls/make-cert.ts`,
      ],
    );
    const noCa = await client(['--ca', 'nowhere/ca.pem']);
    assert.deepEqual(
      [noCa.code, noCa.err[0]],
      [2, 'error: cannot read nowhere/ca.pem: make it with node lessons/13-tls/make-cert.ts'],
    );
  });

  /** One request over TLS, checked against our CA; the whole answer. */
  async function ask(request: string | Buffer) {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: Number(port),
      ca: readFileSync(path.join(dir, 'tls-certs/ca.pem')),
    });
    socket.on('error', () => {});
    await once(socket, 'secureConnect');
    const everything = readAll(socket);
    socket.write(request);
    return (await within(PATIENCE, 'the answer', everything)).toString();
  }

  test('HEAD, 405, 400 and 431, each answered and closed', async () => {
    const head = await ask('HEAD /go HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(
      head,
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*Content-Length: 58\r\nConnection: close\r\n\r\n$/,
    );
    assert.match(await ask('POST /go HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 405 /);
    assert.match(await ask('hello\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await ask(`GET /${'x'.repeat(9000)}`), /^HTTP\/1\.1 431 /);
    // A head in pieces is one head: the blank line split across two writes.
    const socket = tls.connect({
      host: '127.0.0.1',
      port: Number(port),
      ca: readFileSync(path.join(dir, 'tls-certs/ca.pem')),
    });
    await once(socket, 'secureConnect');
    const everything = readAll(socket);
    socket.write('GET /go HTTP/1.1\r\nHost: x\r\n\r');
    await new Promise((resolve) => setImmediate(resolve));
    socket.write('\n');
    assert.match((await within(PATIENCE, 'the answer', everything)).toString(), /^HTTP\/1\.1 200 /);
  });

  test('plain HTTP on the TLS port, and bytes that are not TLS: one line each, still serving', async () => {
    const from = server.out.length;
    const socket = await connect(Number(port));
    const closed = readAll(socket);
    socket.write('GET /go HTTP/1.1\r\nHost: x\r\n\r\n');
    await within(PATIENCE, 'the close', closed);
    await server.waitFor(/^a handshake failed: ERR_SSL_HTTP_REQUEST$/, from);
    const result = await client();
    assert.equal(result.code, 0);
  });

  test('a client that says nothing is closed after --header-timeout', async (t) => {
    const quick = await startServer(serverFile, ['--header-timeout', '0.3'], { cwd: dir });
    t.after(() => quick.stop());
    const silent = await connect(quick.port); // no handshake at all
    await within(PATIENCE, 'the close of a silent TCP client', readAll(silent));
    const socket = tls.connect({
      host: '127.0.0.1',
      port: quick.port,
      ca: readFileSync(path.join(dir, 'tls-certs/ca.pem')),
    });
    await once(socket, 'secureConnect'); // a handshake, then no request
    const answer = await within(PATIENCE, 'the 408', readAll(socket));
    assert.match(answer.toString(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  describe('real peers: curl and openssl s_client', () => {
    test('curl --cacert gets the page; curl without it refuses (exit 60)', {
      skip: noCurl,
    }, async () => {
      const url = `https://127.0.0.1:${port}/go`;
      const got = await run('curl', ['-sS', '--cacert', 'tls-certs/ca.pem', url], { cwd: dir });
      assert.equal(got.stdout, `${page().slice(-2).join('\n')}\n`);
      const refused = spawnSync('curl', ['-sS', url], { cwd: dir, encoding: 'utf8' });
      assert.equal(refused.status, 60, refused.stderr);
      assert.match(refused.stderr, /unable to get local issuer certificate/);
    });

    test('openssl s_client verifies the certificate for 127.0.0.1 and gets the page', {
      skip: noOpenssl,
    }, async () => {
      const from = server.out.length;
      const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', 'tls-certs/ca.pem'];
      const verify = ['-verify_ip', '127.0.0.1', '-verify_return_error'];
      const peer = spawnProgram('openssl', [...args, ...verify, '-ign_eof'], { cwd: dir });
      peer.child.stdin?.end('GET /go HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.equal((await peer.exited).code, 0, peer.err.join('\n'));
      assert.ok(peer.out.includes('Verify return code: 0 (ok)'), peer.out.join('\n'));
      assert.ok(peer.out.includes('<p>your address: 127.0.0.1</p>'), peer.out.join('\n'));
      await server.waitFor(/asked: GET \/go HTTP\/1\.1$/, from);

      // Without our CA, and told to stop at a failed check, it refuses: unknown CA.
      const wrong = spawnProgram('openssl', [...args.slice(0, 3), '-verify_return_error'], {
        cwd: dir,
      });
      wrong.child.stdin?.end();
      assert.notEqual((await wrong.exited).code, 0);
      assert.match(
        [...wrong.out, ...wrong.err].join('\n'),
        /unable to get local issuer certificate/,
      );
      await server.waitFor(
        /^a handshake failed: the client refused our certificate, or left$/,
        from,
      );
    });
  });

  test('Ctrl+C closes the server cleanly', async () => {
    await assertCleanStop(server);
  });
});

describe('13-tls: lesson 06 shell over TLS', { skip: posixOnly }, () => {
  const dir = scratch();
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    makeCertificates(path.join(dir, 'tls-certs'), 'the right CA');
    makeCertificates(path.join(dir, 'other-ca'), 'another CA');
    makeCertificates(path.join(dir, 'elsewhere'), 'the right CA?', { dnsNames: ['example.test'] });
    server = await startServer(shellServer, [], { cwd: dir });
  });
  after(() => server.stop());
  const shell = (stdin: string[], args: string[] = []) =>
    runLesson(shellClient, ['--port', String(server.port), ...args], { cwd: dir, stdin });

  test('verified first, then the commands: UTF-8, no output, stderr; the server logs it', async () => {
    const from = server.out.length;
    const result = await shell(['echo hello 你好', '', 'true', 'echo oops >&2', 'exit', 'date']);
    assert.deepEqual(result, {
      code: 0,
      signal: null,
      out: [
        `verified: 127.0.0.1:${server.port} has a certificate for 127.0.0.1 from the CA in tls-certs/ca.pem`,
        "'echo hello 你好' -> 13 bytes",
        'hello 你好',
        "'true' -> 20 bytes",
        'cmd has no output...',
        "'echo oops >&2' -> 5 bytes",
        'oops',
      ],
      err: [],
    });
    await server.waitFor(/disconnected$/, from);
    assert.deepEqual(norm(server.out.slice(from), server.port, 8022), [
      '127.0.0.1:50001 connected over TLSv1.3',
      '127.0.0.1:50001 runs: echo hello 你好',
      '127.0.0.1:50001 sent 13 bytes',
      '127.0.0.1:50001 runs: true',
      '127.0.0.1:50001 sent 20 bytes',
      '127.0.0.1:50001 runs: echo oops >&2',
      '127.0.0.1:50001 sent 5 bytes',
      '127.0.0.1:50001 disconnected',
    ]);
  });

  test('an output of 1.4 MB in UTF-8 arrives whole, across many TLS records', async () => {
    const command = 'yes 你好 | head -n 200000';
    const result = await shell([command]);
    assert.deepEqual(result.err, []);
    assert.deepEqual(result.out.slice(1), [
      `'${command}' -> 1400000 bytes`,
      ...Array(200000).fill('你好'),
    ]);
  });

  test('openssl s_client speaks the protocol: command, length, ack, output', {
    skip: noOpenssl,
  }, async (t) => {
    const args = [
      's_client',
      '-connect',
      `127.0.0.1:${server.port}`,
      '-CAfile',
      'tls-certs/ca.pem',
    ];
    const verify = ['-verify_ip', '127.0.0.1', '-verify_return_error', '-quiet', '-no_ign_eof'];
    const peer = spawnProgram('openssl', [...args, ...verify], { cwd: dir });
    t.after(() => peer.child.kill());
    const stdin = peer.child.stdin as NodeJS.WritableStream;
    const stdout = peer.child.stdout as NodeJS.ReadableStream;
    const received: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => received.push(chunk));
    const seen = (expected: string) => Buffer.concat(received).toString() === expected;
    const until = (expected: string, what: string) =>
      within(
        PATIENCE,
        what,
        waitUntil(() => seen(expected), peer),
      );
    const output = '你好 over openssl\n';
    const length = String(Buffer.byteLength(output)); // 20: the length counts bytes
    stdin.write('echo 你好 over openssl');
    await until(length, 'the length');
    stdin.write('准备接受');
    await until(`${length}${output}`, 'the output');
    stdin.end();
    assert.equal((await within(PATIENCE, 'openssl to exit', peer.exited)).code, 0);
    await server.waitFor(new RegExp(`sent ${length} bytes$`));
  });

  // The certificate the impostor shows, the CA the client trusts, and the reason it prints.
  const refusals: [string, string, string, string][] = [
    [
      'a certificate from another CA',
      'tls-certs',
      'other-ca/ca.pem',
      'its certificate is not signed by the CA in other-ca/ca.pem (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
    ],
    [
      'a certificate for another name',
      'elsewhere',
      'elsewhere/ca.pem',
      'its certificate is not for 127.0.0.1 (ERR_TLS_CERT_ALTNAME_INVALID)',
    ],
  ];
  for (const [what, certs, ca, reason] of refusals) {
    test(`refuses ${what} before it sends any command`, async (t) => {
      const pem = (name: string) => readFileSync(path.join(dir, certs, name));
      let received = 0;
      const impostor = tls.createServer({ key: pem('key.pem'), cert: pem('cert.pem') }, (s) => {
        s.on('error', () => {});
        s.on('data', (chunk: Buffer) => {
          received += chunk.length;
        });
      });
      impostor.on('tlsClientError', () => {});
      impostor.listen(0, '127.0.0.1');
      await once(impostor, 'listening');
      t.after(() => impostor.close());
      const at = String((impostor.address() as { port: number }).port);
      // Bounded: a client that trusted the impostor would wait for ever for a length.
      const result = spawnLesson(shellClient, ['--port', at, '--ca', ca], {
        cwd: dir,
        stdin: ['echo this must not run'],
      });
      t.after(() => result.child.kill('SIGKILL'));
      const { code } = await within(PATIENCE, 'the client to refuse', result.exited);
      assert.deepEqual(
        [code, result.out, result.err],
        [1, [], [`error: 127.0.0.1:${at} is not the server we trust: ${reason}`]],
      );
      assert.equal(received, 0, 'not one byte of a command reached it');
    });
  }

  test('a plain TCP server on the port, no server, no CA: one line each', async () => {
    const plain = await fakeServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.end('this is not TLS\n'));
    });
    const result = await runLesson(shellClient, ['--port', String(plain.port)], {
      cwd: dir,
      stdin: ['ls'],
    });
    await plain.close();
    assert.deepEqual(
      [result.code, result.err],
      [1, [`error: 127.0.0.1:${plain.port} does not speak TLS: is it a plain TCP server?`]],
    );
    await assertNoServer(shellClient, [], { cwd: dir, stdin: ['ls'] });
    const noCa = await shell(['ls'], ['--ca', 'nowhere/ca.pem']);
    assert.deepEqual(
      [noCa.code, noCa.err[0]],
      [2, 'error: cannot read nowhere/ca.pem: make it with node lessons/13-tls/make-cert.ts'],
    );
  });

  test('a remote host needs --allow-remote, and gets a warning with it', async (t) => {
    // Bounded: a server that took the remote host would listen for ever.
    const remote = spawnLesson(shellServer, ['--host', '0.0.0.0', '--port', '0'], { cwd: dir });
    t.after(() => remote.child.kill('SIGKILL'));
    const { code } = await within(PATIENCE, 'the server to refuse', remote.exited);
    assert.deepEqual(
      [code, remote.out, remote.err],
      [
        2,
        [],
        [
          'error: --host 0.0.0.0 needs --allow-remote',
          'usage: shell-server.ts [--host 127.0.0.1] [--port 8022] [--certs tls-certs] [--timeout 10] [--allow-remote]',
        ],
      ],
    );
    const allowed = await startServer(shellServer, ['--host', '0.0.0.0', '--allow-remote'], {
      cwd: dir,
    });
    t.after(() => allowed.stop());
    assert.equal(allowed.host, '0.0.0.0');
    assert.deepEqual(allowed.err, [
      'warning: remote code execution: anyone who reaches it runs commands',
    ]);
    const noCerts = await runLesson(shellServer, ['--port', '0', '--certs', 'nowhere'], {
      cwd: dir,
    });
    assert.deepEqual(
      [noCerts.code, noCerts.err[0]],
      [
        2,
        `error: cannot read ${path.join('nowhere', 'key.pem')}: make it first with node lessons/13-tls/make-cert.ts`,
      ],
    );
  });

  test('plain bytes on the TLS port, a client that refuses us: one line each, still serving', async () => {
    const from = server.out.length;
    const socket = await connect(server.port);
    const closed = readAll(socket);
    socket.write('echo this is not TLS');
    await within(PATIENCE, 'the close', closed);
    await server.waitFor(/^a handshake failed: /, from);
    assert.ok(!server.out.slice(from).some((line) => / runs: /.test(line)), 'nothing ran');
    // Our client with the wrong CA: it refuses, and the server says so in one line.
    const wrong = await shell(['echo not sent'], ['--ca', 'other-ca/ca.pem']);
    assert.equal(wrong.code, 1);
    await server.waitFor(/^a handshake failed: the client refused our certificate, or left$/, from);
    assert.ok(!server.out.slice(from).some((line) => / runs: /.test(line)), 'nothing ran');
    const result = await shell(['echo still here']);
    assert.equal(result.out.at(-1), 'still here');
  });

  test('Ctrl+C closes the shell server cleanly', async () => {
    await assertCleanStop(server);
  });
});

/** Resolves once `ready()` holds, checked on each chunk the peer prints; rejects if it exits. */
function waitUntil(ready: () => boolean, peer: ReturnType<typeof spawnProgram>) {
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!ready()) return;
      peer.child.stdout?.off('data', check);
      resolve();
    };
    peer.child.stdout?.on('data', check);
    peer.exited.then(() => reject(new Error(`openssl exited: ${peer.err.join('\n')}`)));
    check();
  });
}
