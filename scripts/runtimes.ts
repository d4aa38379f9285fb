// npm run test:runtimes: every lesson's demo with its server and client on tsx, plain node, Deno
// and Bun, and on mixed pairs. A cell passes when the transcript is the one in the lesson's README, which
// Node produced. Runtimes that are not installed are skipped (`--require-all` makes that a
// failure, as in CI). Known differences are listed below and explained in the lesson README.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chalk } from 'zx';
import { type Demo, loadDemos, type Pairing, render, runDemo, transcriptIn } from './lib/demo.ts';
import { fetchNode, resolveNode } from './lib/nodes.ts';
import { findRuntime, root, runtimes, useNode } from './lib/proc.ts';

const columns: [string, Pairing][] = [
  ['tsx', { server: 'tsx', client: 'tsx' }],
  ['node', { server: 'node', client: 'node' }],
  ['deno', { server: 'deno', client: 'deno' }],
  ['bun', { server: 'bun', client: 'bun' }],
  ['deno→bun', { server: 'deno', client: 'bun' }],
  ['bun→deno', { server: 'bun', client: 'deno' }],
  ['tsx→deno', { server: 'tsx', client: 'deno' }],
  ['bun→tsx', { server: 'bun', client: 'tsx' }],
];

/** Differences a runtime truly has, each explained in the lesson's README: lesson → column → why. */
const expected: Record<string, Record<string, string>> = {};

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const requireAll = process.argv.includes('--require-all');
const demos = (await loadDemos()).filter(
  (demo) => wanted.length === 0 || wanted.some((want) => demo.lesson.startsWith(want)),
);
// The `node` column is plain `node FILE`, with nothing installed: on this Node if it strips
// types itself (22.18 and later), else on the Node 24 that the version matrix uses.
if (!findRuntime('node')) {
  try {
    useNode(
      path.join(fetchNode(resolveNode('24')), process.platform === 'win32' ? 'node.exe' : 'node'),
    );
  } catch (err) {
    console.log(chalk.yellow(`no Node 24 for the node column: ${(err as Error).message}`));
  }
}
const missing = runtimes.filter((runtime) => !findRuntime(runtime));
for (const runtime of missing) {
  console.log(
    chalk.yellow(`${runtime} is not installed: skipped. Install: npm install --no-save deno bun`),
  );
}

type Cell = 'pass' | 'FAIL' | 'expected' | 'skip' | '-';
const failures: string[] = [];

async function check(demo: Demo, label: string, pairing: Pairing): Promise<Cell> {
  if (!demo.server && pairing.server !== pairing.client) return '-';
  if (missing.includes(pairing.server) || missing.includes(pairing.client)) return 'skip';
  const readme = readFileSync(path.join(root, 'lessons', demo.lesson, 'README.md'), 'utf8');
  let got: string;
  try {
    const { blocks, port } = await runDemo(demo, undefined, pairing);
    got = render(demo, blocks, port);
  } catch (err) {
    got = `(the demo did not finish: ${(err as Error).message})`;
  }
  if (got === transcriptIn(readme)) return 'pass';
  if (expected[demo.lesson]?.[label]) return 'expected';
  failures.push(`── ${demo.lesson} on ${label}: printed\n${got}`);
  return 'FAIL';
}

// Two demos at a time: this machine has two cores.
const jobs = demos.flatMap((demo) => columns.map(([label, pairing]) => ({ demo, label, pairing })));
const results = new Map<string, Cell>();
let next = 0;
async function worker() {
  while (next < jobs.length) {
    const job = jobs[next++];
    results.set(`${job.demo.lesson} ${job.label}`, await check(job.demo, job.label, job.pairing));
  }
}
await Promise.all([worker(), worker()]);

const paint = {
  pass: chalk.green,
  FAIL: chalk.red,
  expected: chalk.yellow,
  skip: chalk.dim,
  '-': chalk.dim,
};
const width = 10;
console.log(`\n${'lesson'.padEnd(18)}${columns.map(([label]) => label.padEnd(width)).join('')}`);
for (const demo of demos) {
  const cells = columns.map(([label]) => results.get(`${demo.lesson} ${label}`) ?? 'skip');
  console.log(
    demo.lesson.padEnd(18) + cells.map((cell) => paint[cell](cell.padEnd(width))).join(''),
  );
}
for (const [lesson, notes] of Object.entries(expected)) {
  for (const [label, why] of Object.entries(notes))
    console.log(chalk.yellow(`expected: ${lesson} on ${label}: ${why}`));
}
for (const failure of failures) console.log(`\n${failure}`);

const all = [...results.values()];
const count = (cell: Cell) => all.filter((each) => each === cell).length;
const passed = count('pass') + count('expected');
const skipped = count('skip');
console.log(`\nruntimes: ${passed} passed, ${count('FAIL')} failed, ${skipped} skipped`);
process.exit(count('FAIL') > 0 || (requireAll && skipped > 0) ? 1 : 0);
