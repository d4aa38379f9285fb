// Run one lesson file by its number:  npm run lesson -- 03 server --port 9000
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
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
process.on('SIGINT', () => {});
const target = path.join(lesson.dir, file);
const result = await $({
  cwd: process.cwd(),
  stdio: 'inherit',
  nothrow: true,
  quiet: true,
})`${process.execPath} --import ${tsx} ${target} ${rest}`;
process.exit(result.exitCode ?? 1);
