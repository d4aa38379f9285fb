// Runs every tests/*.test.ts with node's test runner, and fails when no test ran at all: a
// runner that finds nothing exits 0, which would let a broken suite pass in silence.
// Lists the files itself, so no shell glob is needed (Windows cmd does not expand them).
// `npm run test:only -- 03 contract` runs the files whose names contain 03 or contract.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root } from './lib/proc.ts';

const filters = process.argv.slice(2);
const files = readdirSync(path.join(root, 'tests'))
  .filter((name) => name.endsWith('.test.ts'))
  .filter((name) => filters.length === 0 || filters.some((part) => name.includes(part)))
  .sort()
  .map((name) => path.join('tests', name));
if (files.length === 0) {
  console.error(`error: no test files in tests/ match ${filters.join(' ') || '*.test.ts'}`);
  process.exit(1);
}

const scratch = mkdtempSync(path.join(tmpdir(), 'socket-lessons-'));
const tap = path.join(scratch, 'results.tap');
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit' },
);
const summary = readFileSync(tap, 'utf8');
rmSync(scratch, { recursive: true, force: true });
const count = (name: string) =>
  Number(summary.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
if (count('tests') === 0) {
  console.error('error: the test runner ran 0 tests; that is a failure, not a pass');
  process.exit(1);
}
// A file that defines no tests shows up as one passing "test" named after the file itself.
const empty = files.filter((file) => summary.includes(`\n# Subtest: ${path.join(root, file)}\n`));
if (empty.length > 0) {
  console.error(`error: no tests ran in ${empty.join(', ')}; a test file must define tests`);
  process.exit(1);
}
const counts = `${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`;
console.log(`ran ${count('tests')} tests on Node ${process.version}: ${counts}`);
if (result.status === 0 && count('pass') !== count('tests') - count('skipped') - count('todo')) {
  console.error('error: the counts do not add up; check the output above');
  process.exit(1);
}
process.exit(result.status ?? 1);
