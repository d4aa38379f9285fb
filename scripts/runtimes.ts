// npm run test:runtimes: every lesson's demo with its server and client on tsx, plain node, Deno
// and Bun, on mixed pairs, and on Windows (node.exe under Wine). A cell passes when the transcript is the one in the lesson's README, which
// Node produced. Runtimes that are not installed are skipped (`--require-all` makes that a
// failure, as in CI). Known differences are listed below and explained in the lesson README.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chalk } from 'zx';
import { type Demo, loadDemos, type Pairing, render, runDemo, transcriptIn } from './lib/demo.ts';
import { fetchNode, resolveNode } from './lib/nodes.ts';
import { findRuntime, root, runtimes, useNode } from './lib/proc.ts';
import { findWine } from './lib/wine.ts';

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

/**
 * Differences a runtime truly has, each explained in the lesson's README: lesson → column → why,
 * and how the README's transcript changes there. The cell passes only if the changed transcript
 * is exactly what the demo printed.
 */
const expected: Record<string, Record<string, { why: string; edit: (text: string) => string }>> = {
  '06-remote-shell': {
    windows: {
      why: 'cmd.exe ends each line with \\r\\n, so each output is one byte longer per line',
      edit: (text) =>
        // 'cmd has no output...' (20 bytes) is the server's own text: it has no line end.
        text.replace(/(-> |sent )(\d+) bytes/g, (all, before: string, size: string) =>
          size === '20' ? all : `${before}${Number(size) + 1} bytes`,
        ),
    },
  },
};

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
  let got: string;
  try {
    const { blocks, port } = await runDemo(demo, undefined, pairing);
    got = render(demo, blocks, port);
  } catch (err) {
    got = `(the demo did not finish: ${(err as Error).message})`;
  }
  return compare(demo, label, got);
}

function compare(demo: Demo, label: string, got: string): Cell {
  const readme = readFileSync(path.join(root, 'lessons', demo.lesson, 'README.md'), 'utf8');
  const want = transcriptIn(readme) ?? '';
  if (got === want) return 'pass';
  const difference = expected[demo.lesson]?.[label];
  if (difference && got === difference.edit(want)) return 'expected';
  failures.push(`── ${demo.lesson} on ${label}: printed\n${got}`);
  return 'FAIL';
}

// The `windows` column: every demo with server and clients on node.exe under Wine, in a
// Chinese-Windows locale (code page 936), all in one run of a driver script on Windows.
async function windows(): Promise<Map<string, Cell>> {
  const cells = new Map<string, Cell>();
  const wine = findWine('zh_CN.UTF-8');
  if (typeof wine === 'string') {
    console.log(chalk.yellow(`windows: skipped: ${wine}`));
    for (const demo of demos) cells.set(demo.lesson, 'skip');
    return cells;
  }
  const driver = path.join(root, 'scripts', 'lib', 'windows-demos.ts');
  const ran = await wine.run(
    driver,
    demos.map((demo) => demo.lesson),
  );
  let got: Record<string, string> = {};
  try {
    got = JSON.parse(ran.out);
  } catch {
    failures.push(`── windows: the driver exited ${ran.code}:\n${ran.out}${ran.err}`);
  }
  for (const demo of demos) {
    const text = got[demo.lesson] ?? '(no transcript)';
    cells.set(demo.lesson, compare(demo, 'windows', text));
  }
  return cells;
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
// Windows first, alone: Wine and its node.exe processes take both cores while they start.
const onWindows = await windows();
await Promise.all([worker(), worker()]);
for (const [lesson, cell] of onWindows) results.set(`${lesson} windows`, cell);

const paint = {
  pass: chalk.green,
  FAIL: chalk.red,
  expected: chalk.yellow,
  skip: chalk.dim,
  '-': chalk.dim,
};
const width = 10;
const labels = [...columns.map(([label]) => label), 'windows'];
console.log(`\n${'lesson'.padEnd(18)}${labels.map((label) => label.padEnd(width)).join('')}`);
for (const demo of demos) {
  const cells = labels.map((label) => results.get(`${demo.lesson} ${label}`) ?? 'skip');
  console.log(
    demo.lesson.padEnd(18) + cells.map((cell) => paint[cell](cell.padEnd(width))).join(''),
  );
}
for (const [lesson, notes] of Object.entries(expected)) {
  for (const [label, { why }] of Object.entries(notes))
    console.log(chalk.yellow(`expected: ${lesson} on ${label}: ${why}`));
}
for (const failure of failures) console.log(`\n${failure}`);

const all = [...results.values()];
const count = (cell: Cell) => all.filter((each) => each === cell).length;
const passed = count('pass') + count('expected');
const skipped = count('skip');
console.log(`\nruntimes: ${passed} passed, ${count('FAIL')} failed, ${skipped} skipped`);
process.exit(count('FAIL') > 0 || (requireAll && skipped > 0) ? 1 : 0);
