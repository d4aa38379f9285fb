// Every row of the root README's error table, run for real: the command in the row, against a
// situation set up for it, must print exactly the row's line and exit with the row's code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { root, runLesson, type SpawnOptions, startServer } from '../scripts/lib/proc.ts';
import { freeTcpPort, freeUdpPort } from './util.ts';

interface Row {
  error: string;
  command: string;
  line: string;
  code: number;
}

const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const table = readme.split('## Errors you may meet')[1]?.split('\n## ')[0] ?? '';
const rows: Row[] = [
  ...table.matchAll(/^\| ([^|]+?) \| `([^`]+)`[^|]* \| `([^`]+)`[^|]* \| (\d) \|$/gm),
].map((match) => ({ error: match[1], command: match[2], line: match[3], code: Number(match[4]) }));

/** What each row needs around it: the port to use instead of the README's, and how to run. */
const situations: Record<
  string,
  () => Promise<{ port?: number; opts?: SpawnOptions; skip?: string }>
> = {
  'bad arguments': async () => ({}),
  'port in use': async () => {
    const server = await startServer('lessons/03-tcp-hello/server.ts');
    after(() => server.stop());
    return { port: server.port };
  },
  'nothing listening': async () => ({ port: await freeTcpPort() }),
  'no reply in time': async () => ({ port: await freeUdpPort() }),
  'unknown host': async () => ({}),
  'permission denied': async () => {
    // Binding port 80 needs admin rights on Linux (macOS and Windows allow it), so run as an
    // ordinary user; as root, as the user nobody.
    if (process.platform !== 'linux') return { skip: 'only Linux refuses port 80 to users' };
    const asRoot = process.getuid?.() === 0;
    const env = { ...process.env, NODE_V8_COVERAGE: '' }; // nobody cannot write root's coverage
    return { opts: asRoot ? { uid: 65534, gid: 65534, env } : {} };
  },
};

test('the README has the error table', () => {
  assert.deepEqual(
    rows.map((row) => row.error),
    Object.keys(situations),
  );
});

for (const row of rows) {
  test(`${row.error}: ${row.line}`, async (t) => {
    const situation = await situations[row.error]?.();
    assert.ok(situation, `no situation for '${row.error}' in this test`);
    if (situation.skip) return t.skip(situation.skip);
    // The README shows the article's port (8080); the test uses a port it knows the state of.
    const swap = (text: string) =>
      situation.port === undefined
        ? text
        : text
            .replace(/\b8081\b/g, String(situation.port + 1))
            .replace(/\b8080\b/g, String(situation.port));
    const [npx, tsx, file, ...args] = swap(row.command).split(' ');
    assert.equal(`${npx} ${tsx}`, 'npx tsx', 'an example runs a lesson with npx tsx');
    const result = await runLesson(file, args, situation.opts);
    assert.deepEqual([result.code, result.err[0]], [row.code, swap(row.line)]);
  });
}
