import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { datagram } from '../scripts/lib/peer.ts';
import { root, runLesson, spawnLesson, spawnProgram, startServer } from '../scripts/lib/proc.ts';
import { exitWithin, freeUdpPort, noPython, norm, python } from '../scripts/lib/testing.ts';

const serverFile = 'lessons/02-udp-echo/server.ts';
const clientFile = 'lessons/02-udp-echo/client.ts';

describe('02-udp-echo', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer(serverFile);
  });
  after(() => server.stop());

  test('the client greets, prints its port and the reply; the server keeps serving', async () => {
    for (let round = 0; round < 2; round++) {
      const from = server.out.length;
      const result = await runLesson(clientFile, ['--port', String(server.port)]);
      assert.deepEqual([result.code, result.err], [0, []]);
      assert.deepEqual(norm(result.out, server.port, 8080), [
        'local address: 0.0.0.0:50001',
        '127.0.0.1:8080 replied: nice to meet you',
      ]);
      await server.waitFor(/^replied to/, from);
      const clientPort = result.out[0].split(':').at(-1);
      assert.deepEqual(server.out.slice(from), [
        `127.0.0.1:${clientPort} sent: nice to meet you too`,
        `replied to 127.0.0.1:${clientPort}: nice to meet you`,
      ]);
    }
  });

  test('full duplex: typed lines are sent and every reply is printed', async () => {
    const stdin = ['hi', '你好', 'exit', 'not sent'];
    const result = await runLesson(clientFile, ['--port', String(server.port)], { stdin });
    assert.deepEqual([result.code, result.err], [0, []]);
    assert.deepEqual(norm(result.out, server.port, 8080), [
      'local address: 0.0.0.0:50001',
      '127.0.0.1:8080 replied: nice to meet you',
      '127.0.0.1:8080 replied: nice to meet you',
      '127.0.0.1:8080 replied: nice to meet you',
    ]);
  });

  test('with no server the client gives up after --timeout with one line', async () => {
    const port = await freeUdpPort();
    const result = await runLesson(clientFile, ['--port', String(port), '--timeout', '0.3']);
    assert.equal(result.code, 1);
    assert.deepEqual(result.err, [
      `error: no reply from 127.0.0.1:${port} within 0.3 s; is the server running?`,
    ]);
  });

  test('idle time after a reply is not a timeout: --timeout runs only while a reply is due', async (t) => {
    const client = spawnLesson(clientFile, ['--port', String(server.port), '--timeout', '1']);
    t.after(() => client.stop('SIGKILL'));
    await client.waitFor(/replied: nice to meet you$/);
    client.child.stdin?.write('hi\n');
    await client.waitFor(/replied: nice to meet you$/, 2);
    // Nothing is due now. Watch for 2.5 s (more than twice --timeout): the client must not exit.
    assert.equal(await exitWithin(client, 2500), 'still running', client.err.join('\n'));
    client.child.stdin?.write('你好\n');
    await client.waitFor(/replied: nice to meet you$/, 3);
    client.child.stdin?.end();
    assert.deepEqual(await client.exited, { code: 0, signal: null });
    assert.deepEqual(client.err, []);
    assert.deepEqual(norm(client.out, server.port, 8080), [
      'local address: 0.0.0.0:50001',
      '127.0.0.1:8080 replied: nice to meet you',
      '127.0.0.1:8080 replied: nice to meet you',
      '127.0.0.1:8080 replied: nice to meet you',
    ]);
  });

  test('a line sent after an idle spell that gets no reply still times out', async (t) => {
    // A server that answers the first datagram only, then goes quiet.
    const quiet = dgram.createSocket('udp4');
    t.after(() => quiet.close());
    let answered = false;
    quiet.on('message', (_data, sender) => {
      if (!answered) quiet.send('nice to meet you', sender.port, sender.address);
      answered = true;
    });
    await new Promise<void>((resolve) => quiet.bind(0, '127.0.0.1', resolve));
    const { port } = quiet.address();
    const client = spawnLesson(clientFile, ['--port', String(port), '--timeout', '0.5']);
    t.after(() => client.stop('SIGKILL'));
    await client.waitFor(/replied: nice to meet you$/);
    assert.equal(await exitWithin(client, 1000), 'still running', client.err.join('\n'));
    client.child.stdin?.write('anyone there?\n');
    assert.deepEqual(await exitWithin(client, 5000), { code: 1, signal: null });
    assert.deepEqual(client.err, [
      `error: no reply from 127.0.0.1:${port} within 0.5 s; is the server running?`,
    ]);
  });

  test('a bad --timeout or --port is a usage error', async () => {
    const usage = 'usage: client.ts [--host 127.0.0.1] [--port 8080] [--timeout 5]';
    const bad = await runLesson(clientFile, ['--timeout', 'soon']);
    assert.deepEqual([bad.code, bad.err], [2, ["error: invalid number of seconds 'soon'", usage]]);
    const port = await runLesson(serverFile, ['--port', '-1']);
    assert.equal(port.code, 2);
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

describe('02 duplex.ts: one bound socket sends and receives (article 000)', () => {
  const duplex = 'lessons/02-udp-echo/duplex.ts';

  test('a second one sends to the first, which prints it with the sender', async (t) => {
    const [a, b] = [await freeUdpPort(), await freeUdpPort()];
    const first = spawnLesson(duplex, [
      '--bind',
      String(a),
      '--to',
      String(b),
      '--message',
      'from A',
    ]);
    t.after(() => first.stop());
    await first.waitFor(new RegExp(`^bound to 127\\.0\\.0\\.1:${a}$`));
    const second = spawnLesson(duplex, [
      '--bind',
      String(b),
      '--to',
      String(a),
      '--message',
      'from B',
    ]);
    t.after(() => second.stop());
    assert.deepEqual(await first.exited, { code: 0, signal: null });
    assert.deepEqual(first.out, [`bound to 127.0.0.1:${a}`, `127.0.0.1:${b} sent: from B`]);
    // The first one's datagram went out before the second was bound, and was lost: UDP keeps
    // nothing for a port where nobody listens. The second still waits; any datagram ends it.
    await datagram(b, 'late 你好');
    assert.deepEqual(await second.exited, { code: 0, signal: null });
    assert.match(second.out[1], /^127\.0\.0\.1:\d+ sent: late 你好$/);
  });

  test('the article program and ours talk, both ways', { skip: noPython }, async (t) => {
    const peers = path.join(root, 'tests', 'python', 'article_peers.py');
    const ours = await freeUdpPort();
    const theirs = spawnProgram(python, ['-u', peers, 'udp-duplex', '0', String(ours)]);
    t.after(() => theirs.stop());
    const port = Number((await theirs.waitFor(/^bound to 127\.0\.0\.1:(\d+)$/))[1]);
    const lesson = spawnLesson(duplex, ['--bind', String(ours), '--to', String(port)]);
    t.after(() => lesson.stop());
    await theirs.exited; // it got our datagram
    assert.equal(theirs.out[1], `hello 你好 ('127.0.0.1', ${ours})`);
    const again = spawnProgram(python, ['-u', peers, 'udp-duplex', '0', String(ours)]);
    t.after(() => again.stop());
    assert.deepEqual(await lesson.exited, { code: 0, signal: null });
    assert.match(lesson.out[1], /^127\.0\.0\.1:\d+ sent: 来自 Python$/);
  });

  test('bad or missing ports are usage errors; a port in use says which option to change', async (t) => {
    const missing = await runLesson(duplex, ['--to', '9000']);
    assert.equal(missing.code, 2);
    assert.match(missing.err[0], /^error: give --bind a port from 0 to 65535$/);
    const holder = spawnLesson(duplex, ['--bind', '0', '--to', '9']);
    t.after(() => holder.stop());
    const taken = Number((await holder.waitFor(/^bound to 127\.0\.0\.1:(\d+)$/))[1]);
    const clash = await runLesson(duplex, ['--bind', String(taken), '--to', '9']);
    assert.deepEqual(
      [clash.code, clash.err],
      [
        1,
        [
          `error: port ${taken} is already in use; try --bind ${taken + 1} (what holds it: lsof -i :${taken}, or on Windows netstat -ano | findstr :${taken})`,
        ],
      ],
    );
  });
});
