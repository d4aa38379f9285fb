import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { readExactly } from '../lessons/06-remote-shell/exact.ts';
import { connect } from '../scripts/lib/peer.ts';
import { runLesson, startServer } from '../scripts/lib/proc.ts';
import { fakeServer, freeTcpPort, norm } from '../scripts/lib/testing.ts';

const serverFile = 'lessons/04-tcp-echo/server.ts';
const clientFile = 'lessons/04-tcp-echo/client.ts';

describe('04-tcp-echo', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer(serverFile);
  });
  after(() => server.stop());

  test('each line comes back upper-cased; empty lines are skipped; q quits', async () => {
    const from = server.out.length;
    const stdin = ['hello', '', '  socket 你好  ', 'q', 'never sent'];
    const result = await runLesson(clientFile, ['--port', String(server.port)], { stdin });
    assert.deepEqual(result, {
      code: 0,
      signal: null,
      out: ['recv: HELLO', 'recv: SOCKET 你好'],
      err: [],
    });
    await server.waitFor(/disconnected$/, from);
    assert.deepEqual(norm(server.out.slice(from), server.port, 6969), [
      '127.0.0.1:50001 connected',
      '127.0.0.1:50001 sent: hello',
      '127.0.0.1:50001 sent: socket 你好',
      '127.0.0.1:50001 disconnected',
    ]);
  });

  test('50 clients at once each get only their own replies; every disconnect is logged', async () => {
    const from = server.out.length;
    const clients = await Promise.all(Array.from({ length: 50 }, () => connect(server.port)));
    await Promise.all(
      clients.map(async (socket, id) => {
        for (let round = 0; round < 5; round++) {
          const message = Buffer.from(`client ${id} says hi #${round} 你好`);
          socket.write(message);
          const reply = await readExactly(socket, message.length);
          assert.equal(reply.toString(), `CLIENT ${id} SAYS HI #${round} 你好`);
        }
      }),
    );
    const ports = clients.map((socket) => socket.localPort);
    for (const socket of clients) socket.end();
    for (const port of ports) await server.waitFor(new RegExp(`:${port} disconnected$`), from);
    const log = server.out.slice(from);
    assert.equal(log.filter((line) => line.endsWith(' connected')).length, 50);
    assert.equal(log.filter((line) => line.endsWith(' disconnected')).length, 50);
  });

  test('the client waits for the whole reply, however it is split', async () => {
    const fake = await fakeServer((socket) => {
      socket.on('data', async (data: Buffer) => {
        for (const byte of data.toString().toUpperCase()) {
          await new Promise((resolve) => socket.write(byte, resolve)); // one write per character
        }
      });
    });
    const stdin = ['split me', 'q'];
    const result = await runLesson(clientFile, ['--port', String(fake.port)], { stdin });
    await fake.close();
    assert.deepEqual([result.code, result.out], [0, ['recv: SPLIT ME']]);
  });

  test('a server that hangs up mid-reply gets one line and exit code 1', async () => {
    const fake = await fakeServer(async (socket) => {
      await once(socket, 'data');
      socket.end('HAL'); // 3 of the 5 bytes of HELLO
    });
    const result = await runLesson(clientFile, ['--port', String(fake.port)], { stdin: ['hello'] });
    await fake.close();
    assert.deepEqual(
      [result.code, result.out, result.err],
      [
        1,
        [],
        ['error: the server closed the connection before answering (3 of 5 bytes came back)'],
      ],
    );
  });

  test('a server that goes away before answering gets one line a learner can act on', async () => {
    const fake = await fakeServer(async (socket) => {
      await once(socket, 'data');
      socket.end(); // gone, without a byte of the reply
    });
    const stdin = ['nice to meet you!'];
    const result = await runLesson(clientFile, ['--port', String(fake.port)], { stdin });
    await fake.close();
    assert.deepEqual(
      [result.code, result.out, result.err],
      [
        1,
        [],
        ['error: the server closed the connection before answering (0 of 17 bytes came back)'],
      ],
    );
  });

  test('with no server the client says so in one line and exits 1', async () => {
    const port = await freeTcpPort();
    const result = await runLesson(clientFile, ['--port', String(port)], { stdin: ['hello'] });
    assert.deepEqual(
      [result.code, result.err],
      [1, [`error: nothing is listening on 127.0.0.1:${port}; start the server first`]],
    );
  });

  test('--quiet logs connections but not every message', async () => {
    const quiet = await startServer(serverFile, ['--quiet']);
    const result = await runLesson(clientFile, ['--port', String(quiet.port)], {
      stdin: ['hi', 'q'],
    });
    assert.deepEqual(result.out, ['recv: HI']);
    await quiet.waitFor(/disconnected$/);
    assert.deepEqual(norm(quiet.out, quiet.port, 6969), [
      'listening on 127.0.0.1:6969',
      '127.0.0.1:50001 connected',
      '127.0.0.1:50001 disconnected',
    ]);
    await quiet.stop();
  });

  test('a port in use gets one line and exit code 1', async () => {
    const result = await runLesson(serverFile, ['--port', String(server.port)]);
    assert.deepEqual(
      [result.code, result.err],
      [
        1,
        [
          `error: port ${server.port} is already in use; try --port ${server.port + 1} (what holds it: lsof -i :${server.port}, or on Windows netstat -ano | findstr :${server.port})`,
        ],
      ],
    );
  });
});

describe('04-tcp-echo, article 000 (server-000.ts, client-000.ts)', () => {
  const server000 = 'lessons/04-tcp-echo/server-000.ts';
  const client000 = 'lessons/04-tcp-echo/client-000.ts';

  test('示例2: every message is answered hahahah until the client closes', async (t) => {
    const server = await startServer(server000);
    t.after(() => server.stop());
    const stdin = ['hello', '', '  你好  ', 'q', 'never sent'];
    const result = await runLesson(client000, ['--port', String(server.port)], { stdin });
    assert.deepEqual(result, {
      code: 0,
      signal: null,
      out: ['recv: hahahah', 'recv: hahahah'],
      err: [],
    });
    await server.waitFor(/disconnected$/);
    assert.deepEqual(norm(server.out, server.port, 8080), [
      'listening on 127.0.0.1:8080',
      '127.0.0.1:50001 connected',
      '127.0.0.1:50001 sent: hello',
      '127.0.0.1:50001 sent: 你好',
      '127.0.0.1:50001 disconnected',
    ]);
  });

  test('示例1 (--once): one message per connection, then the server hangs up', async (t) => {
    const server = await startServer(server000, ['--once']);
    t.after(() => server.stop());
    const args = ['--port', String(server.port)];
    const one = await runLesson(client000, [...args, '--once'], { stdin: ['hello', 'not sent'] });
    assert.deepEqual([one.code, one.out, one.err], [0, ['recv: hahahah'], []]);
    await server.waitFor(/disconnected$/);
    // A client that keeps the connection for a second message is told the server has gone.
    const two = await runLesson(client000, args, { stdin: ['first', 'second'] });
    assert.deepEqual(
      [two.code, two.out, two.err],
      [
        1,
        ['recv: hahahah'],
        ['error: the server closed the connection before answering (0 of 7 bytes came back)'],
      ],
    );
    await server.waitFor(/^127\.0\.0\.1:\d+ disconnected$/, 4);
    assert.deepEqual(norm(server.out, server.port, 8080), [
      'listening on 127.0.0.1:8080',
      '127.0.0.1:50001 connected',
      '127.0.0.1:50001 sent: hello',
      '127.0.0.1:50001 disconnected',
      '127.0.0.1:50002 connected',
      '127.0.0.1:50002 sent: first',
      '127.0.0.1:50002 disconnected',
    ]);
  });
});

describe('04-tcp-echo, article 002 (server-002.ts, client-002.ts)', () => {
  const server002 = 'lessons/04-tcp-echo/server-002.ts';
  const client002 = 'lessons/04-tcp-echo/client-002.ts';

  test('Hello, server! and each line come back; Hello, client! arrives after our FIN', async (t) => {
    const server = await startServer(server002);
    t.after(() => server.stop());
    const stdin = ['socket 你好', '', 'never sent'];
    const result = await runLesson(client002, ['--port', String(server.port)], { stdin });
    assert.deepEqual(result, {
      code: 0,
      signal: null,
      out: ['recv: Hello, server!', 'recv: socket 你好', 'recv: Hello, client!'],
      err: [],
    });
    await server.waitFor(/disconnected$/);
    assert.deepEqual(norm(server.out, server.port, 8888), [
      'listening on 127.0.0.1:8888',
      '127.0.0.1:50001 connected',
      '127.0.0.1:50001 sent: Hello, server!',
      '127.0.0.1:50001 sent: socket 你好',
      '127.0.0.1:50001 finished sending; answering Hello, client!',
      '127.0.0.1:50001 disconnected',
    ]);
  });

  test('the client reads the whole echo when it arrives a byte at a time, cut inside 你', async () => {
    const fake = await fakeServer((socket) => {
      socket.on('data', async (data: Buffer) => {
        for (const byte of data) {
          await new Promise((resolve) => socket.write(Buffer.of(byte), resolve)); // one per byte
        }
      });
      socket.on('end', () => socket.end('Hello, client!'));
    }, true);
    const result = await runLesson(client002, ['--port', String(fake.port)], { stdin: ['你好'] });
    await fake.close();
    assert.deepEqual(
      [result.code, result.out],
      [0, ['recv: Hello, server!', 'recv: 你好', 'recv: Hello, client!']],
    );
  });
});
