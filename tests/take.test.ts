// Take it home: every lesson file, written as one standalone file (npm run take) into an empty
// folder outside the project, runs its lesson's demo and prints the README's transcript.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadDemos, render, runDemo, transcriptIn } from '../scripts/lib/demo.ts';
import { listLessons, readHeader } from '../scripts/lib/lessons.ts';
import { findRuntime, root, runLesson, runtimes } from '../scripts/lib/proc.ts';
import { writeTaken } from '../scripts/lib/take.ts';

const demos = await loadDemos();

describe('npm run take: standalone copies of the lessons', () => {
  for (const demo of demos) {
    // On every runtime installed here: plain node needs 22.18 or later (the version matrix).
    const on = runtimes.filter((runtime) => findRuntime(runtime));
    test(`${demo.lesson}: the copies run the demo outside the project (${on.join(', ')})`, async (t) => {
      const home = mkdtempSync(path.join(tmpdir(), 'socket-lessons-homework-'));
      t.after(() => rmSync(home, { recursive: true, force: true }));
      const files = [
        demo.server?.file,
        ...demo.runs.map((run) => ('file' in run ? run.file : undefined)),
      ];
      const lessonDir = path.join(root, 'lessons', demo.lesson);
      for (const file of new Set(files.filter((each) => each !== undefined))) {
        const taken = writeTaken(path.join(lessonDir, file), home);
        assert.doesNotMatch(taken.text, /from '\.{1,2}\//, `${file}: no import of a file left`);
        assert.equal(taken.warning, '');
      }
      const readme = readFileSync(path.join(lessonDir, 'README.md'), 'utf8');
      for (const runtime of on) {
        const pairing = { server: runtime, client: runtime };
        const locate = (file: string) => path.join(home, file);
        const { blocks, port } = await runDemo(demo, undefined, pairing, { locate });
        assert.equal(render(demo, blocks, port), transcriptIn(readme), `on ${runtime}`);
      }
    });
  }
});

// Files that no demo runs (the articles' other programs, the modules' users) are taken too:
// each copy answers --help exactly as its original does.
test('every runnable lesson file, taken home, answers --help as the original does', async (t) => {
  const home = mkdtempSync(path.join(tmpdir(), 'socket-lessons-homework-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  for (const lesson of listLessons()) {
    for (const file of lesson.files) {
      if (readHeader(path.join(lesson.dir, file))?.importedBy) continue; // a module: it does not run
      const dir = path.join(home, lesson.name);
      mkdirSync(dir);
      writeTaken(path.join(lesson.dir, file), dir);
      const [original, copy] = await Promise.all([
        runLesson(path.join(lesson.dir, file), ['--help']),
        runLesson(path.join(dir, file), ['--help']),
      ]);
      assert.deepEqual(copy, original, `${lesson.name}/${file}`);
      rmSync(dir, { recursive: true });
    }
  }
});
