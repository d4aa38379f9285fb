// The scripts a learner runs by hand. `npm run lesson -- NN FILE` must work where there is no
// bash (Windows: PowerShell, cmd), pass on the lesson's exit code, and not leave it orphaned.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readHeader } from '../scripts/lib/lessons.ts';
import { within } from '../scripts/lib/peer.ts';
import { root, runLesson, spawnProgram, tsx } from '../scripts/lib/proc.ts';

const script = path.join(root, 'scripts', 'lesson.ts');

/** This environment with PATH (Path, on Windows) set to `folder` alone. */
function onlyOnPath(folder: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name.toUpperCase() !== 'PATH'),
  );
  return { ...env, PATH: folder };
}

test('npm run lesson -- 00 ip runs the lesson with no shell on PATH, and passes on its exit code', async (t) => {
  // An empty folder as the whole PATH: no bash, no sh (the script starts Node by its full path).
  const bare = mkdtempSync(path.join(tmpdir(), 'socket-lessons-no-shell-'));
  t.after(() => rmSync(bare, { recursive: true, force: true }));
  const env = onlyOnPath(bare);
  // The addresses of ip.ts's own @run line: `node lessons/00-basics/ip.ts ADDRESS ...`.
  const header = readHeader(path.join(root, 'lessons', '00-basics', 'ip.ts'));
  const addresses = header?.run?.split(' ').slice(2) ?? [];
  assert.ok(addresses.length > 0, 'ip.ts has addresses in its @run line');
  const direct = await runLesson('lessons/00-basics/ip.ts', addresses);
  assert.equal(direct.code, 0);

  const viaScript = async (...args: string[]) => {
    const run = spawnProgram(process.execPath, ['--import', tsx, script, ...args], { env });
    return { ...(await run.exited), out: run.out, err: run.err };
  };
  assert.deepEqual(await viaScript('00', 'ip', ...addresses), { ...direct, signal: null });
  const noAddress = await viaScript('00', 'ip');
  assert.deepEqual([noAddress.code, noAddress.err[0]], [2, 'error: give at least one address']);
  const unknown = await viaScript('99', 'server');
  assert.deepEqual(
    [unknown.code, unknown.err],
    [2, ['usage: npm run lesson -- NN FILE [options]   (FILE: server, client)']],
  );
});

test('npm run lesson -- 03 server: a SIGTERM to the script stops the server cleanly', {
  skip: process.platform === 'win32' && 'signals cannot be sent to a child process on Windows',
}, async (t) => {
  // In a process group of its own, so that the clean-up reaches a server the script left behind.
  const args = ['--import', tsx, script, '03', 'server', '--port', '0'];
  const run = spawn(process.execPath, args, { cwd: root, detached: true, stdio: 'pipe' });
  t.after(() => {
    try {
      process.kill(-(run.pid as number), 'SIGKILL');
    } catch {} // all gone already
  });
  let out = '';
  run.stdout.setEncoding('utf8');
  const ready = new Promise<void>((resolve) =>
    run.stdout.on('data', (text: string) => {
      out += text;
      if (/^listening on 127\.0\.0\.1:\d+$/m.test(out)) resolve();
    }),
  );
  await within(10000, 'the readiness line', ready);
  // 'close' comes once the script has exited and its output has all been read.
  const closed = once(run, 'close');
  run.kill('SIGTERM');
  assert.deepEqual(await within(5000, 'the exit', closed), [0, null]);
  assert.equal(out.trimEnd().split('\n').at(-1), 'server closed');
});
