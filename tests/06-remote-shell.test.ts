import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, readUntil, within } from '../scripts/lib/peer.ts';
import { runLesson, spawnProgram, startServer } from '../scripts/lib/proc.ts';
import {
  assertCleanStop,
  assertNoServer,
  fakeServer,
  noPython,
  norm,
  python,
  startPython,
} from '../scripts/lib/testing.ts';

const serverFile = 'lessons/06-remote-shell/server.ts';
const clientFile = 'lessons/06-remote-shell/client.ts';
// The commands are POSIX shell; Windows' cmd.exe has no `true`, `yes` or `sleep`.
const skip = process.platform === 'win32' ? 'the commands need a POSIX shell' : false;
const hasSetsid = spawnSync('setsid', ['--version']).status === 0;

describe('06-remote-shell', { skip }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer(serverFile);
  });
  after(() => server.stop());
  const shell = (stdin: string[]) =>
    runLesson(clientFile, ['--port', String(server.port)], { stdin });

  test('three commands in one session: UTF-8 output, no output, stderr', async () => {
    const from = server.out.length;
    const result = await shell(['echo hello 你好', '', 'true', 'echo oops >&2', 'exit', 'date']);
    assert.deepEqual(result, {
      code: 0,
      signal: null,
      out: [
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
    assert.deepEqual(norm(server.out.slice(from), server.port, 8000), [
      '127.0.0.1:50001 connected',
      '127.0.0.1:50001 runs: echo hello 你好',
      '127.0.0.1:50001 sent 13 bytes',
      '127.0.0.1:50001 runs: true',
      '127.0.0.1:50001 sent 20 bytes',
      '127.0.0.1:50001 runs: echo oops >&2',
      '127.0.0.1:50001 sent 5 bytes',
      '127.0.0.1:50001 disconnected',
    ]);
  });

  test('an output of 1.4 MB in UTF-8 arrives whole', async () => {
    const command = 'yes 你好 | head -n 200000';
    const result = await shell([command]);
    assert.deepEqual(result.err, []);
    assert.deepEqual(result.out, [`'${command}' -> 1400000 bytes`, ...Array(200000).fill('你好')]);
  });

  test('two clients at once: the first waits on a pipe that only the second fills', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'socket-lessons-fifo-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // If the server ran one client at a time, the first would block until --timeout killed it.
    const first = shell([`read line < ${fifo}; echo "first got $line"`]);
    const second = shell([`echo hi > ${fifo}; echo second done`]);
    const [one, two] = await Promise.all([first, second]);
    assert.deepEqual(one.out.at(-1), 'first got hi');
    assert.deepEqual(two.out.at(-1), 'second done');
  });

  test('the client reads exactly the announced size, however it is split', async () => {
    const output = Buffer.from('hello 你好'); // 12 bytes; 你 is bytes 6-8, 好 is 9-11
    const fake = await fakeServer(async (socket) => {
      await once(socket, 'data'); // the command
      await new Promise((resolve) => socket.write('1', resolve)); // the size, in two pieces
      socket.write('2');
      await once(socket, 'data'); // the ack
      for (const [start, end] of [
        [0, 3],
        [3, 7],
        [7, 10],
        [10, 12],
      ]) {
        await new Promise((resolve) => socket.write(output.subarray(start, end), resolve));
      }
      socket.write('and more'); // not part of this output
    });
    const result = await runLesson(clientFile, ['--port', String(fake.port)], {
      stdin: ['anything'],
    });
    await fake.close();
    assert.deepEqual(result.out, ["'anything' -> 12 bytes", 'hello 你好']);
  });

  test('a server that sends no size, or closes early, gets one line and exit code 1', async () => {
    const fake = await fakeServer(async (socket) => {
      await once(socket, 'data');
      socket.write('abc');
    });
    const noSize = await runLesson(clientFile, ['--port', String(fake.port)], { stdin: ['ls'] });
    assert.deepEqual([noSize.code, noSize.err], [1, ["error: 'abc' is not a size"]]);
    await fake.close();

    const short = await fakeServer(async (socket) => {
      await once(socket, 'data');
      socket.write('5');
      await once(socket, 'data');
      socket.end('abc');
    });
    const cut = await runLesson(clientFile, ['--port', String(short.port)], { stdin: ['ls'] });
    assert.deepEqual([cut.code, cut.err], [1, ['error: connection closed after 3 of 5 bytes']]);
    await short.close();

    const gone = await fakeServer((socket) => socket.end().resume()); // read, so it can close
    const closed = await runLesson(clientFile, ['--port', String(gone.port)], { stdin: ['ls'] });
    assert.deepEqual([closed.code, closed.err], [1, ['error: the server closed the connection']]);
    await gone.close();
  });

  // Each case records the pid of a `sleep 600` the command starts: if the server waited for it,
  // the test would hang (and fail at its timeout); afterwards the sleep must be gone.
  const sleeper = (t: { after(fn: () => void): void }) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'socket-lessons-06-'));
    const file = path.join(dir, 'pid');
    const pid = () => Number(readFileSync(file, 'utf8'));
    t.after(() => {
      try {
        process.kill(pid(), 'SIGKILL'); // ours, by pid, if it is still there
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    });
    return { file, pid };
  };
  const alive = (pid: number) => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); // a zombie is gone
    } catch {
      return false;
    }
  };
  const killedAfter = (command: string, size: number) => [
    `'${command}' -> ${size} bytes`,
    'started',
    '',
    '[killed after 0.5 s (--timeout)]',
  ];

  test('a command that runs too long is killed with all it started', {
    timeout: 60000,
  }, async (t) => {
    const slow = await startServer(serverFile, ['--timeout', '0.5']);
    t.after(() => slow.stop());
    const { file, pid } = sleeper(t);
    // Killing only the shell would leave `sleep` holding the output pipe for 600 s.
    const command = `echo started; sleep 600 & echo $! > ${file}; wait; echo never`;
    const result = await runLesson(clientFile, ['--port', String(slow.port)], { stdin: [command] });
    assert.deepEqual(result.out, killedAfter(command, 42));
    assert.ok(!alive(pid()), 'the sleep the command started is gone');
  });

  test('a program that leaves the process group cannot hold the answer back', {
    timeout: 60000,
    skip: !hasSetsid && 'no setsid on this machine',
  }, async (t) => {
    const slow = await startServer(serverFile, ['--timeout', '0.5']);
    t.after(() => slow.stop());
    const { file } = sleeper(t);
    // setsid puts `sleep` out of reach of the group kill, and it keeps the pipes open; the answer
    // still ends once the shell has exited and the timeout has passed.
    const command = `setsid sleep 600 & echo $! > ${file}; echo started`;
    const result = await runLesson(clientFile, ['--port', String(slow.port)], {
      stdin: [command],
    });
    assert.deepEqual(result.out, killedAfter(command, 42));
  });

  test('--encoding: output printed in another code page arrives as UTF-8', async (t) => {
    const gbk = await startServer(serverFile, ['--encoding', 'gbk']);
    t.after(() => gbk.stop());
    // 你好 in GBK (the code page of a Chinese Windows console) is c4e3 bac3.
    const command = "printf '\\304\\343\\272\\303\\n'";
    const result = await runLesson(clientFile, ['--port', String(gbk.port)], { stdin: [command] });
    assert.deepEqual(result.out, [`'${command}' -> 7 bytes`, '你好']);
    const unknown = await runLesson(serverFile, ['--encoding', 'klingon']);
    assert.deepEqual(
      [unknown.code, unknown.err[0]],
      [2, "error: unknown encoding 'klingon' (try utf-8 or gbk)"],
    );
  });

  test('a remote host needs --allow-remote; bad arguments exit 2; no server exits 1', async () => {
    const remote = await runLesson(serverFile, ['--host', '0.0.0.0', '--port', '0']);
    assert.deepEqual(
      [remote.code, remote.out, remote.err],
      [
        2,
        [],
        [
          'error: --host 0.0.0.0 needs --allow-remote',
          'usage: server.ts [--host 127.0.0.1] [--port 8000] [--timeout 10] [--encoding gbk] [--allow-remote]',
        ],
      ],
    );
    const timeout = await runLesson(serverFile, ['--timeout', 'soon']);
    assert.deepEqual(
      [timeout.code, timeout.err[0]],
      [2, "error: invalid number of seconds 'soon'"],
    );
    await assertNoServer(clientFile, [], { stdin: ['ls'] });
  });

  test('sticky.ts shows two sends in one read, then the length-prefix fix', async () => {
    const result = await runLesson('lessons/06-remote-shell/sticky.ts');
    assert.deepEqual(result, {
      code: 0,
      signal: null,
      out: [
        "sender:   send('20') then send('cmd has no output...'), no ack between",
        "receiver: one read returned 22 bytes: '20cmd has no output...'",
        "          int('20cmd has no output...') raises ValueError: the two sends stuck together (粘包)",
        'sender:   send(4-byte size) then send(output), still no ack',
        "receiver: readExactly(4) -> 20, then readExactly(20) -> 'cmd has no output...'",
      ],
      err: [],
    });
  });

  test('Ctrl+C closes the server cleanly', async () => {
    await assertCleanStop(server);
  });
});

// The article's own programs (001 "五、SSH的实现"), reduced to their socket calls, against ours.
const articleClient = `
import socket, sys
client = socket.socket()
client.connect(("127.0.0.1", int(sys.argv[1])))
for cmd in sys.argv[2:]:
    client.send(cmd.encode("utf-8"))
    cmd_res_size = client.recv(1024)
    client.send("准备接受".encode("utf-8"))
    received_size = 0
    received_data = b""
    while received_size < int(cmd_res_size.decode()):
        data = client.recv(1024)
        received_size += len(data)
        received_data += data
    print(cmd_res_size.decode(), received_data.decode(), flush=True)
client.close()
`;
const articleServer = `
import os, socket
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()
print("listening on %s:%d" % server.getsockname(), flush=True)
while True:
    conn, addr = server.accept()
    while True:
        data = conn.recv(1024)
        if not data:
            break
        cmd_res = os.popen(data.decode()).read()
        if len(cmd_res) == 0:
            cmd_res = "cmd has no output..."
        conn.send(str(len(cmd_res.encode())).encode("utf-8"))
        client_ack = conn.recv(1024)
        conn.send(cmd_res.encode("utf-8"))
`;

describe("06-remote-shell and the article's Python programs", { skip: skip || noPython }, () => {
  test('the article client runs commands on our server', async () => {
    const server = await startServer(serverFile);
    const peer = spawnProgram(python, [
      '-c',
      articleClient,
      String(server.port),
      'echo 你好',
      'true',
    ]);
    await peer.exited;
    await server.stop();
    assert.deepEqual(peer.out, ['7 你好', '', '20 cmd has no output...']);
  });

  test('our client runs commands on the article server, 1.4 MB included', async () => {
    const peer = await startPython(articleServer);
    const result = await runLesson(clientFile, ['--port', String(peer.port)], {
      stdin: ['echo 你好', 'yes 你好 | head -n 200000'],
    });
    await peer.stop('SIGKILL');
    assert.deepEqual(result.out.slice(0, 3), [
      "'echo 你好' -> 7 bytes",
      '你好',
      "'yes 你好 | head -n 200000' -> 1400000 bytes",
    ]);
    assert.equal(result.out.length, 3 + 200000);
  });
});

describe('06-remote-shell: a message cut by the pause rule is refused, never run', { skip }, () => {
  const readAllFrom = (socket: net.Socket) => {
    const parts: Buffer[] = [];
    socket.on('data', (part: Buffer) => parts.push(part));
    return new Promise<string>((resolve) =>
      socket.once('close', () => resolve(Buffer.concat(parts).toString())),
    );
  };

  test('a command of 4096 bytes or more is not run; the server says so and closes', async (t) => {
    const server = await startServer(serverFile);
    t.after(() => server.stop());
    const socket = await connect(server.port);
    const answer = readAllFrom(socket);
    socket.write(`echo ${'x'.repeat(6000)}`);
    assert.equal(await within(5000, 'the close', answer), '', 'no length, no output');
    await server.waitFor(/sent a command of 4096 bytes or more; not run, closing$/);
    assert.ok(!server.out.some((line) => / runs: /.test(line)), server.out.join('\n'));
  });

  test('bytes that are not the ack: out of step, so no output is sent', async (t) => {
    const server = await startServer(serverFile);
    t.after(() => server.stop());
    const socket = await connect(server.port);
    const answer = readAllFrom(socket);
    const length = readUntil(socket, (got) => /^\d+$/.test(got.toString()));
    socket.write('echo hello');
    await within(5000, 'the length', length);
    socket.write('not the ack');
    assert.equal(await within(5000, 'the close', answer), '6', 'the length, then nothing');
    await server.waitFor(/sent 11 bytes, not the ack; out of step, closing$/);
  });
});
