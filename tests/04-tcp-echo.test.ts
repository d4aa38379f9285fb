import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { runLesson, startServer } from '../scripts/lib/proc.ts';
import { readExactly } from '../shared/helpers.ts';
import { connect, fakeServer, freeTcpPort, norm } from './util.ts';

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
      [1, [], ['error: connection closed after 3 of 5 bytes']],
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
      [1, [`error: port ${server.port} is already in use; try --port ${server.port + 1}`]],
    );
  });
});
