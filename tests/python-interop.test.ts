// The articles' Python programs and the lessons talk to each other, in both directions.
// tests/python/article_peers.py makes the same socket calls as each article program.
// Skipped (with a note) where python3 is not installed.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { type Proc, root, runLesson, spawnProgram, startServer } from '../scripts/lib/proc.ts';
import { freeUdpPort, noPython, python } from '../scripts/lib/testing.ts';

const peers = path.join(root, 'tests', 'python', 'article_peers.py');

/** Run a Python peer to its end. */
async function runPeer(peer: string, port: number, ...args: string[]) {
  const proc = spawnProgram(python, ['-u', peers, peer, String(port), ...args]);
  const exit = await proc.exited;
  assert.deepEqual([exit.code, proc.err], [0, []], `${peer} failed`);
  return proc.out;
}

/** Start a Python peer server on port 0 and read its port from its readiness line. */
async function startPeer(peer: string): Promise<Proc & { port: number }> {
  const proc = spawnProgram(python, ['-u', peers, peer, '0']);
  const match = await proc.waitFor(/^(?:listening on|bound to) 127\.0\.0\.1:(\d+)$/);
  return { ...proc, port: Number(match[1]) };
}

describe('the articles’ Python programs and the lessons interoperate', { skip: noPython }, () => {
  const servers: { stop(): Promise<unknown> }[] = [];
  after(() => Promise.all(servers.map((server) => server.stop())));
  const lesson = async (file: string) => {
    const server = await startServer(file);
    servers.push(server);
    return server;
  };

  test('01: the article sender → our receiver; our sender → the article receiver', async () => {
    const server = await lesson('lessons/01-udp-send/server.ts');
    await runPeer('udp-send', server.port, '来自 Python');
    await server.waitFor(/^127\.0\.0\.1:\d+ sent: 来自 Python$/);

    const peer = await startPeer('udp-recv');
    const args = ['--port', String(peer.port), '--message', 'hahaha'];
    assert.equal((await runLesson('lessons/01-udp-send/client.ts', args)).code, 0);
    await peer.exited;
    assert.match(peer.out[1], /^\('127\.0\.0\.1', \d+\) sent: hahaha$/);
  });

  test("01: the article's loop sender (exit stops it) and its bound sender → our receiver", async () => {
    const server = await lesson('lessons/01-udp-send/server.ts');
    await runPeer('udp-send-loop', server.port, '第一行', 'second', 'exit', 'never sent');
    await server.waitFor(/^127\.0\.0\.1:\d+ sent: second$/);
    const fixed = await freeUdpPort();
    await runPeer('udp-send-bound', server.port, String(fixed), 'from a fixed port', 'exit');
    await server.waitFor(new RegExp(`^127\\.0\\.0\\.1:${fixed} sent: from a fixed port$`));
    assert.ok(server.out.some((line) => / sent: 第一行$/.test(line)));
    assert.ok(!server.out.some((line) => / sent: (exit|never sent)$/.test(line)));
  });

  test('02: the article client → our server; our client → the article server', async () => {
    const server = await lesson('lessons/02-udp-echo/server.ts');
    const out = await runPeer('udp-echo-client', server.port);
    assert.match(out[0], /^Local socket address: \d+$/);
    assert.equal(out[1], `Received message: 'nice to meet you' from ('127.0.0.1', ${server.port})`);

    const peer = await startPeer('udp-echo-server');
    const ours = await runLesson('lessons/02-udp-echo/client.ts', ['--port', String(peer.port)]);
    assert.equal(ours.out[1], `127.0.0.1:${peer.port} replied: nice to meet you`);
    await peer.exited;
    assert.match(
      peer.out[1],
      /^Received message: 'nice to meet you too' from \('127\.0\.0\.1', \d+\)$/,
    );
  });

  test('03: the article client → our server; our client → the article server', async () => {
    const server = await lesson('lessons/03-tcp-hello/server.ts');
    assert.deepEqual(await runPeer('tcp-hello-client', server.port), ['received: 你好']);
    await server.waitFor(/sent: Hello$/);

    const peer = await startPeer('tcp-hello-server');
    const ours = await runLesson('lessons/03-tcp-hello/client.ts', ['--port', String(peer.port)]);
    assert.deepEqual([ours.code, ours.out], [0, ['received: 你好']]);
    await peer.exited;
    assert.deepEqual(peer.out.slice(1), ['received: Hello']);
  });

  test('03 (article 004, the client speaks first): both ways', async () => {
    const server = await lesson('lessons/03-tcp-hello/server-004.ts');
    const out = await runPeer('tcp-ask-client', server.port);
    assert.match(out[0], /^recv: 已收到您\(\('127\.0\.0\.1', \d+\)\)的请求,本次连接将关闭$/);
    await server.waitFor(/sent 12 bytes: Hello Server$/);

    const peer = await startPeer('tcp-ask-server');
    const args = ['--port', String(peer.port)];
    const ours = await runLesson('lessons/03-tcp-hello/client-004.ts', args);
    assert.equal(ours.code, 0);
    assert.match(ours.out[0], /^recv: 已收到您\(\('127\.0\.0\.1', \d+\)\)的请求,本次连接将关闭$/);
    await peer.exited;
    assert.deepEqual(peer.out.slice(1), ['12', 'recv: Hello Server']);
  });

  test('04: the article client → our server; our client → the article server', async () => {
    const server = await lesson('lessons/04-tcp-echo/server.ts');
    const out = await runPeer('echo-client', server.port, 'hello', 'socket 你好', 'q');
    assert.deepEqual(out, ['recv: HELLO', 'recv: SOCKET 你好']);

    const peer = await startPeer('echo-server');
    const stdin = ['hello', 'socket 你好', 'q'];
    const ours = await runLesson('lessons/04-tcp-echo/client.ts', ['--port', String(peer.port)], {
      stdin,
    });
    assert.deepEqual([ours.code, ours.out], [0, ['recv: HELLO', 'recv: SOCKET 你好']]);
    await peer.exited;
    assert.equal(peer.out.length, 3, peer.out.join('\n')); // readiness + two recv lines
  });

  test('04 (article 000 示例1, 示例2): the article client → server-000.ts; client-000.ts → the article servers', async () => {
    for (const args of [[], ['--once']]) {
      const server = await startServer('lessons/04-tcp-echo/server-000.ts', args);
      servers.push(server);
      await runPeer('tcp-send-client', server.port, '你好'); // sends, closes, never reads
      await server.waitFor(/^127\.0\.0\.1:\d+ sent: 你好$/);
      await server.waitFor(/^127\.0\.0\.1:\d+ disconnected$/);
    }

    const many = await startPeer('hahahah-server');
    const args = ['--port', String(many.port)];
    const ours = await runLesson('lessons/04-tcp-echo/client-000.ts', args, {
      stdin: ['hello', '你好', 'q'],
    });
    assert.deepEqual([ours.code, ours.out], [0, ['recv: hahahah', 'recv: hahahah']]);
    await many.exited;
    assert.match(many.out[1], /^链接的客户端地址为: \('127\.0\.0\.1', \d+\)$/);
    assert.deepEqual(many.out.slice(2), [
      "(b'hello', None)",
      "(b'\\xe4\\xbd\\xa0\\xe5\\xa5\\xbd', None)",
      "(b'', None)", // our FIN: the empty read that ends 示例2's inner loop
    ]);

    const once = await startPeer('hahahah-server-once');
    const onceArgs = ['--port', String(once.port), '--once'];
    const one = await runLesson('lessons/04-tcp-echo/client-000.ts', onceArgs, {
      stdin: ['hello'],
    });
    assert.deepEqual([one.code, one.out], [0, ['recv: hahahah']]);
    await once.exited;
    assert.deepEqual(once.out.slice(2), ["(b'hello', None)"]);
  });

  test('04 (article 002 2-2-3): the article clients → server-002.ts; client-002.ts → the article server', async () => {
    const server = await lesson('lessons/04-tcp-echo/server-002.ts');
    const single = await runPeer('hello-client-once', server.port);
    assert.deepEqual(single, ['Received from server: Hello, server!']);
    const chat = await runPeer('hello-chat-client', server.port, '你好', 'socket');
    const shown = ['Hello, server!', '你好', 'socket'].flatMap((text) => [
      '获取服务器信息:',
      ` ${text}`,
    ]);
    assert.deepEqual(chat, shown);

    const peer = await startPeer('hello-echo-server');
    const args = ['--port', String(peer.port)];
    const ours = await runLesson('lessons/04-tcp-echo/client-002.ts', args, {
      stdin: ['你好', ''],
    });
    assert.deepEqual(
      [ours.code, ours.out],
      [0, ['recv: Hello, server!', 'recv: 你好', 'recv: Hello, client!']],
    );
    await peer.exited;
    assert.match(peer.out[1], /^Connection from \('127\.0\.0\.1', \d+\)$/);
    // The last, empty read is our FIN (end()); the farewell goes out after it, and we read it.
    assert.deepEqual(peer.out.slice(2), [
      'Received: Hello, server!',
      'Received: 你好',
      'Received: ',
    ]);
  });
  test("09 client → the article 001's web server (no Content-Length: read until it closes)", async () => {
    const peer = await startPeer('web-hello-server');
    const ours = await runLesson('lessons/09-http-server/client.ts', [
      '--port',
      String(peer.port),
      '--path',
      '/',
    ]);
    assert.deepEqual([ours.code, ours.out], [0, ['HTTP/1.1 200 OK', '', 'Hello, World']]);
    await peer.exited;
  });
});
