import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { runLesson, startServer } from '../scripts/lib/proc.ts';
import { freeUdpPort, norm } from '../scripts/lib/testing.ts';

const serverFile = 'lessons/01-udp-send/server.ts';
const clientFile = 'lessons/01-udp-send/client.ts';

describe('01-udp-send', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer(serverFile);
  });
  after(() => server.stop());

  /** Send one marker datagram and wait for it: everything sent before it has arrived too. */
  async function flush(marker: string) {
    const from = server.out.length;
    const result = await runLesson(clientFile, [
      '--port',
      String(server.port),
      '--message',
      marker,
    ]);
    assert.equal(result.code, 0);
    await server.waitFor(new RegExp(`sent: ${marker}$`), from);
  }

  test('--message sends one datagram and prints the local port once', async () => {
    const from = server.out.length;
    const result = await runLesson(clientFile, [
      '--port',
      String(server.port),
      '--message',
      'hahaha',
    ]);
    assert.deepEqual(result, { code: 0, signal: null, out: [result.out[0]], err: [] });
    const localPort = Number(result.out[0].match(/^sending from 0\.0\.0\.0:(\d+)$/)?.[1]);
    await server.waitFor(/sent: hahaha$/, from);
    assert.deepEqual(server.out.slice(from), [`127.0.0.1:${localPort} sent: hahaha`]);
  });

  test('stdin lines go out one datagram each, from one port, until exit', async () => {
    const from = server.out.length;
    const stdin = ['hello', '你好', '', 'exit', 'never sent'];
    const result = await runLesson(clientFile, ['--port', String(server.port)], { stdin });
    assert.equal(result.code, 0);
    assert.equal(result.out.length, 1, 'the local port is printed once');
    await flush('marker-1');
    assert.deepEqual(norm(server.out.slice(from), server.port, 8080), [
      '127.0.0.1:50001 sent: hello',
      '127.0.0.1:50001 sent: 你好',
      '127.0.0.1:50001 sent: ',
      '127.0.0.1:50002 sent: marker-1',
    ]);
  });

  test('--bind fixes the source port', async () => {
    const fixed = await freeUdpPort();
    const from = server.out.length;
    for (const text of ['first', 'second']) {
      const args = ['--port', String(server.port), '--bind', String(fixed), '--message', text];
      const result = await runLesson(clientFile, args);
      assert.deepEqual(result.out, [`sending from 0.0.0.0:${fixed}`]);
    }
    await server.waitFor(/sent: second$/, from);
    assert.deepEqual(server.out.slice(from), [
      `127.0.0.1:${fixed} sent: first`,
      `127.0.0.1:${fixed} sent: second`,
    ]);
  });

  test('--bind to a port in use names --bind as the option to change', async () => {
    const args = ['--port', String(server.port), '--bind', String(server.port), '--message', 'x'];
    const result = await runLesson(clientFile, args);
    const port = server.port;
    assert.deepEqual(
      [result.code, result.err],
      [
        1,
        [
          `error: port ${port} is already in use; try --bind ${port + 1} (what holds it: lsof -i :${port}, or on Windows netstat -ano | findstr :${port})`,
        ],
      ],
    );
  });

  test('--encoding gbk decodes text from a Chinese Windows machine', async () => {
    const gbkServer = await startServer(serverFile, ['--encoding', 'gbk']);
    const socket = dgram.createSocket('udp4');
    socket.send(Buffer.from([0xc4, 0xe3, 0xba, 0xc3]), gbkServer.port, '127.0.0.1'); // 你好 in GBK
    await gbkServer.waitFor(/sent: /);
    socket.close();
    assert.match(gbkServer.out[1], /^127\.0\.0\.1:\d+ sent: 你好$/);
    assert.equal((await gbkServer.stop()).code, 0);
  });

  test('a port in use gets one line and exit code 1', async () => {
    const result = await runLesson(serverFile, ['--port', String(server.port)]);
    const next = server.port + 1;
    assert.deepEqual(result.err, [
      `error: port ${server.port} is already in use; try --port ${next} (what holds it: lsof -i :${server.port}, or on Windows netstat -ano | findstr :${server.port})`,
    ]);
    assert.deepEqual([result.code, result.out], [1, []]);
  });

  test('bad arguments get the usage line and exit code 2', async () => {
    const usage =
      'usage: client.ts [--host 127.0.0.1] [--port 8080] [--message TEXT] [--bind PORT]';
    for (const [args, problem] of [
      [['--port', '99999'], "invalid port '99999': use a number from 0 to 65535"],
      [['--bind', 'x'], "invalid port 'x' for --bind"],
      [['--nope'], "unknown option '--nope'"],
    ] as const) {
      const result = await runLesson(clientFile, [...args]);
      assert.deepEqual(
        [result.code, result.out, result.err],
        [2, [], [`error: ${problem}`, usage]],
      );
    }
    const bad = await runLesson(serverFile, ['--encoding', 'klingon']);
    assert.deepEqual([bad.code, bad.err[0]], [2, "error: unknown encoding 'klingon'"]);
  });
});
