// Run one lesson file by its number:  npm run lesson -- 03 server --port 9000
// The lesson is spawned directly, with no shell in between: nothing here needs bash, so it runs
// the same from PowerShell or cmd on Windows.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { listLessons } from './lib/lessons.ts';
import { tsx } from './lib/proc.ts';

const [number, name, ...rest] = process.argv.slice(2);
const lesson = listLessons().find(
  (each) => number && each.name.startsWith(number.padStart(2, '0')),
);
const files = lesson ? readdirSync(lesson.dir).filter((file) => file.endsWith('.ts')) : [];
const file = files.find((each) => each === `${name}.ts` || each === name);
if (!lesson || !file) {
  const choices = lesson
    ? files.map((each) => each.replace(/\.ts$/, '')).join(', ')
    : 'server, client';
  console.error(`usage: npm run lesson -- NN FILE [options]   (FILE: ${choices})`);
  process.exit(2);
}

// Ctrl+C reaches the lesson directly (same terminal); this wrapper just waits for it to finish.
// A SIGTERM sent to the wrapper alone is passed on.
const target = path.join(lesson.dir, file);
const child = spawn(process.execPath, ['--import', tsx, target, ...rest], { stdio: 'inherit' });
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('error', (err) => {
  console.error(`error: cannot start ${target}: ${err.message}`);
  process.exit(1);
});
// The lesson's exit code; one killed by a signal exits as a shell shows it, 128 + its number.
child.on('exit', (code, signal) =>
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)),
);
