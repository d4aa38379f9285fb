// Nothing to install: a learner with Node 22.18 or later downloads a lesson folder and shared/,
// with no package.json and no node_modules, and runs the files with plain `node`.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { listLessons } from '../scripts/lib/lessons.ts';
import { root, spawnProgram, stripsTypes } from '../scripts/lib/proc.ts';

const skip =
  !stripsTypes(process.version) &&
  `Node ${process.version} does not run .ts files itself (22.18 and later do)`;

describe('a lesson folder and shared/, copied out, run on plain node', { skip }, () => {
  const home = mkdtempSync(path.join(tmpdir(), 'socket-lessons-take-'));
  after(() => rmSync(home, { recursive: true, force: true }));
  cpSync(path.join(root, 'shared'), path.join(home, 'shared'), { recursive: true });
  const lessons = listLessons();
  for (const lesson of lessons) {
    cpSync(lesson.dir, path.join(home, 'lessons', lesson.name), { recursive: true });
  }
  const run = async (file: string, args: string[]) => {
    const proc = spawnProgram(process.execPath, [path.join(home, file), ...args], { cwd: home });
    return { ...(await proc.exited), out: proc.out, err: proc.err };
  };

  for (const lesson of lessons) {
    for (const file of ['server.ts', 'client.ts'].filter((name) => lesson.files.includes(name))) {
      test(`${lesson.name}/${file} --help prints its usage`, async () => {
        const result = await run(`lessons/${lesson.name}/${file}`, ['--help']);
        assert.deepEqual([result.code, result.err], [0, []]);
        assert.match(result.out.join('\n'), /^usage: /m);
      });
    }
  }

  test('03: the server and the client talk', async () => {
    const server = spawnProgram(process.execPath, [
      path.join(home, 'lessons/03-tcp-hello/server.ts'),
      '--port',
      '0',
    ]);
    after(() => server.stop());
    const port = (await server.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/))[1];
    const client = await run('lessons/03-tcp-hello/client.ts', ['--port', port]);
    assert.deepEqual([client.code, client.out, client.err], [0, ['received: 你好'], []]);
  });
});
