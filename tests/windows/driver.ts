// Run by node.exe under Wine (tests/windows.test.ts): the cases that need Windows itself. Each
// starts the lessons on this Windows Node with Windows pipes; prints one JSON object of results.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveInside } from '../../lessons/05-file-download/inside.ts';
import { runLesson, startServer } from '../../scripts/lib/proc.ts';

const results: Record<string, unknown> = {};
const server06 = 'lessons/06-remote-shell/server.ts';
const client06 = 'lessons/06-remote-shell/client.ts';

// 1. cmd.exe's own output, in the console's code page, arrives as UTF-8.
{
  const server = await startServer(server06, [], { runtime: 'node' });
  const client = await runLesson(client06, ['--port', String(server.port)], {
    runtime: 'node',
    stdin: ['echo hello 你好', 'nosuchcommand'],
  });
  await server.stop();
  results.codePage = { out: client.out, err: client.err, server: server.out };
}

// 2. --timeout ends the answer even when a program the command started keeps cmd.exe's pipes.
{
  const pidFile = path.join(tmpdir(), `socket-lessons-06-${process.pid}.pid`);
  const holder = path.join(tmpdir(), `socket-lessons-06-${process.pid}.cjs`);
  const program = 'require("fs").writeFileSync(process.argv[2], String(process.pid));';
  writeFileSync(holder, `${program} setInterval(() => {}, 1000);`);
  const command = `"${process.execPath}" "${holder}" "${pidFile}"`;
  const server = await startServer(server06, ['--timeout', '1'], { runtime: 'node' });
  const client = await runLesson(client06, ['--port', String(server.port)], {
    runtime: 'node',
    stdin: [command],
  });
  await server.stop();
  let survived = false;
  try {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    survived = process.kill(pid, 0); // still there: under Wine, whose taskkill has no /T
    process.kill(pid); // ours: end it
  } catch {}
  for (const file of [pidFile, holder]) rmSync(file, { force: true });
  results.timeout = { out: client.out.slice(1), survived, server: server.out };
}

// 3. A drive root as the folder of a file server.
{
  const file = path.join(tmpdir(), `socket-lessons-root-${process.pid}.txt`);
  writeFileSync(file, 'x');
  const drive = path.parse(file).root; // C:\ (Z:\ under Wine)
  results.driveRoot = await resolveInside(drive, path.relative(drive, file)).then(
    (found) => found.toLowerCase() === file.toLowerCase(),
    (err: Error) => err.message,
  );
  rmSync(file, { force: true });
}

console.log(JSON.stringify(results));
