// The tour: every lesson's demo, live, then how to run each lesson by hand.
//   npm start             all lessons
//   npm start -- 03       one lesson
//   npm start -- 06 --wire  with a relay between client and server that shows every chunk
//   npm run transcripts   the same demos, written into each lesson's README (and a diagram)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chalk } from 'zx';
import { type Demo, loadDemos, normalise, render, runDemo, withTranscript } from './lib/demo.ts';
import { diagram, withDiagram } from './lib/diagram.ts';
import { lessonTitle, listLessons, readHeader } from './lib/lessons.ts';
import { root } from './lib/proc.ts';
import { describe } from './lib/wire.ts';

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const pick = (name: string) => wanted.length === 0 || wanted.some((want) => name.startsWith(want));
const demos = (await loadDemos()).filter((demo) => pick(demo.lesson));
const lessons = listLessons().filter((lesson) => pick(lesson.name));
if (lessons.length === 0) {
  console.error(`error: no lesson matches ${wanted.join(' ')}; try npm start -- 03`);
  process.exit(2);
}

// --wire: a relay between the clients and the server shows each chunk as it crosses.
// --write (npm run transcripts) always records the traffic, for the README's diagram.
const wire = process.argv.includes('--wire');
const write = process.argv.includes('--write');

async function show(demo: Demo) {
  const label = {
    server: chalk.cyan('server │'),
    client: chalk.yellow('client │'),
    wire: chalk.magenta('wire   │'),
  };
  if (wire && demo.noRelay) console.log(`${label.wire} no relay: ${demo.noRelay}`);
  const { blocks, port, relay } = await runDemo(
    demo,
    {
      command: (who, command) => console.log(`${label[who]} ${chalk.bold(`$ ${command}`)}`),
      line: (who, line) => console.log(`${label[who]} ${line}`),
      wire: wire
        ? (event, protocol) => console.log(`${label.wire} ${describe(event, protocol)}`)
        : undefined,
    },
    undefined,
    { wire: wire || write },
  );
  const ephemeral = new Map<string, number>(); // the clients' ports, numbered 50001 …
  const transcript = render(demo, blocks, port, relay?.aliases, ephemeral);
  return { transcript, relay, ports: port, ephemeral };
}

const intro = {
  'README.md':
    'The same demo on the wire, drawn from what a relay between the two recorded' +
    ' (`npm start -- NN --wire` shows each chunk as it crossed):',
  'README.zh-CN.md':
    '同一个演示在网络上的样子：根据客户端和服务器之间的中继实际记录到的数据画出' +
    '（`npm start -- NN --wire` 会显示每一块数据）：',
};

for (const lesson of lessons) {
  const demo = demos.find((each) => each.lesson === lesson.name);
  console.log(chalk.bold.green(`\n━━ ${lessonTitle(lesson)}`));
  if (!demo) {
    console.log('(no demo; see its README)');
    continue;
  }
  const { transcript, relay, ports, ephemeral } = await show(demo);
  // The English README and its Chinese one (README.zh-CN.md) hold the same transcript and diagram.
  for (const name of write ? (['README.md', 'README.zh-CN.md'] as const) : []) {
    const readmePath = path.join(lesson.dir, name);
    if (!existsSync(readmePath)) continue;
    let updated = withTranscript(readFileSync(readmePath, 'utf8'), transcript);
    if (updated === null) throw new Error(`${readmePath} has no transcript markers`);
    if (relay && relay.events.length > 0) {
      const number = lesson.name.slice(0, 2);
      // The bytes shown with the ports and the date as the transcript shows them.
      const tidy = (text: string) => normalise(text, ports, demo.port, relay.aliases, ephemeral);
      updated = withDiagram(updated, diagram(relay, tidy), intro[name].replace('NN', number));
    }
    writeFileSync(readmePath, updated);
    console.log(chalk.dim(`wrote the transcript into ${path.relative(root, readmePath)}`));
  }
}

console.log(chalk.bold.green('\n━━ Run a lesson by hand'));
console.log('Start each server in one terminal, then its client in another:\n');
for (const lesson of lessons) {
  for (const file of lesson.files) {
    const header = readHeader(path.join(lesson.dir, file));
    // A module (lines.ts, http.ts ...) names the program that uses it: listed with that one.
    if (header?.run && !header.importedBy) console.log(`  ${header.run}`);
  }
}
console.log('\nOr by number: npm run lesson -- 03 server --port 9000');
