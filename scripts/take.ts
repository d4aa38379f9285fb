// Take a lesson file home:  npm run take -- 05 server [--out DIR]
// Writes server.ts into the folder you ran npm from (or DIR): the lesson, then below it what it
// imports from lesson modules and shared/helpers.ts, so the copy runs on its own with
// `node server.ts` (Node 22.18+), `npx tsx`, Deno or Bun. Files it reads by name (09's .html
// templates) are copied beside it.
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { listLessons } from './lib/lessons.ts';
import { writeTaken } from './lib/take.ts';

const usage = 'usage: npm run take -- NN FILE [--out DIR]   (e.g. npm run take -- 05 server)';
let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({ options: { out: { type: 'string' } }, allowPositionals: true });
}
try {
  parsed = parse();
} catch (err) {
  console.error(`error: ${(err as Error).message}\n${usage}`);
  process.exit(2);
}
const [number, name] = parsed.positionals;
const lesson = listLessons().find(
  (each) => number && each.name.startsWith(number.padStart(2, '0')),
);
const files = lesson ? readdirSync(lesson.dir).filter((file) => file.endsWith('.ts')) : [];
const file = files.find((each) => each === `${name}.ts` || each === name);
if (!lesson || !file || parsed.positionals.length !== 2) {
  const choices = lesson ? files.map((each) => each.replace(/\.ts$/, '')).join(', ') : '';
  console.error(`${usage}${choices ? `\nfiles of ${lesson?.name}: ${choices}` : ''}`);
  process.exit(2);
}
// npm runs scripts in the project's folder; INIT_CWD is where you typed the command.
const here = process.env.INIT_CWD ?? process.cwd();
const out = path.resolve(here, parsed.values.out ?? '.');
mkdirSync(out, { recursive: true });
const target = path.join(out, file);
if (path.resolve(target) === path.join(lesson.dir, file)) {
  console.error('error: that is the lesson file itself; use --out DIR');
  process.exit(2);
}
const taken = writeTaken(path.join(lesson.dir, file), out);
for (const each of taken.written) console.log(`wrote ${each}`);
if (taken.warning) console.log(`note: ${taken.warning}`);
for (const { module, names } of taken.inlined)
  console.log(`  with ${names.join(', ')} from ${module}`);
console.log(`run it: node ${path.relative(here, target)}`);
