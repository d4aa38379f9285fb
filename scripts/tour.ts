// The tour: every lesson's demo, live, then how to run each lesson by hand.
//   npm start             all lessons
//   npm start -- 03       one lesson
//   npm run transcripts   the same demos, written into each lesson's README
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chalk } from 'zx';
import { type Demo, loadDemos, render, runDemo, withTranscript } from './lib/demo.ts';
import { lessonTitle, listLessons, readHeader } from './lib/lessons.ts';
import { root } from './lib/proc.ts';

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const pick = (name: string) => wanted.length === 0 || wanted.some((want) => name.startsWith(want));
const demos = (await loadDemos()).filter((demo) => pick(demo.lesson));
const lessons = listLessons().filter((lesson) => pick(lesson.name));
if (lessons.length === 0) {
  console.error(`error: no lesson matches ${wanted.join(' ')}; try npm start -- 03`);
  process.exit(2);
}

async function show(demo: Demo) {
  const label = { server: chalk.cyan('server │'), client: chalk.yellow('client │') };
  const { blocks, port } = await runDemo(demo, {
    command: (who, command) => console.log(`${label[who]} ${chalk.bold(`$ ${command}`)}`),
    line: (who, line) => console.log(`${label[who]} ${line}`),
  });
  return render(demo, blocks, port);
}

for (const lesson of lessons) {
  const demo = demos.find((each) => each.lesson === lesson.name);
  console.log(chalk.bold.green(`\n━━ ${lessonTitle(lesson)}`));
  if (!demo) {
    console.log('(no demo; see its README)');
    continue;
  }
  const transcript = await show(demo);
  // The English README and its Chinese one (README.zh-CN.md) hold the same transcript.
  const readmes = ['README.md', 'README.zh-CN.md'].map((name) => path.join(lesson.dir, name));
  for (const readmePath of process.argv.includes('--write') ? readmes : []) {
    if (!existsSync(readmePath)) continue;
    const updated = withTranscript(readFileSync(readmePath, 'utf8'), transcript);
    if (updated === null) throw new Error(`${readmePath} has no transcript markers`);
    writeFileSync(readmePath, updated);
    console.log(chalk.dim(`wrote the transcript into ${path.relative(root, readmePath)}`));
  }
}

console.log(chalk.bold.green('\n━━ Run a lesson by hand'));
console.log('Start each server in one terminal, then its client in another:\n');
for (const lesson of lessons) {
  for (const file of lesson.files) {
    const header = readHeader(path.join(lesson.dir, file));
    if (header?.run) console.log(`  ${header.run}`); // modules (lines.ts, http.ts ...) have none
  }
}
console.log('\nOr by number: npm run lesson -- 03 server --port 9000');
