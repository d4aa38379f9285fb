// Every row of the root README's error table, run for real: the command in the row, against a
// situation set up for it, must print exactly the row's line and exit with the row's code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  root,
  runLesson,
  type SpawnOptions,
  spawnLesson,
  startServer,
  tsx,
} from '../scripts/lib/proc.ts';
import { fileRoot } from '../scripts/lib/targets.ts';
import { freeTcpPort, freeUdpPort, norm, offlineDns } from '../scripts/lib/testing.ts';

interface Row {
  error: string;
  command: string;
  /** The line, and whether it is the server's log line rather than the command's stderr. */
  line: string;
  inServerLog: boolean;
  code: number;
}

const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const table = readme.split('## Errors you may meet')[1]?.split('\n## ')[0] ?? '';
const rowPattern = /^\| ([^|]+?) \| `([^`]+)`[^|]* \| ([^`|]*)`([^`]+)`[^|]* \| (\d) \|$/gm;
const rows: Row[] = [...table.matchAll(rowPattern)].map((match) => ({
  error: match[1],
  command: match[2],
  line: match[4].replaceAll('\\|', '|'), // a | inside a table cell is written as \|
  inServerLog: match[3].includes('the server logs'),
  code: Number(match[5]),
}));

interface Situation {
  /** The port to use in place of the README's, which shows the article's. */
  port?: number;
  articlePort?: number;
  opts?: SpawnOptions;
  skip?: string;
  /** The server's log so far, with client ports shown as 50001 …, for rows about the server. */
  log?: () => string[];
}

/** Lesson 05's server over a scratch folder, for the rows about files. */
async function fileServer(): Promise<Situation> {
  const files = fileRoot();
  const server = await startServer('lessons/05-file-download/server.ts', files.args);
  after(async () => {
    await server.stop();
    files.cleanup();
  });
  const log = () => norm(server.out, server.port, 7890);
  return { port: server.port, articlePort: 7890, opts: { cwd: files.base }, log };
}

const lesson = path.join(root, 'lessons/03-tcp-hello/server.ts');
const tsxFile = fileURLToPath(tsx);

/** What each row needs around it. */
const situations: Record<string, () => Promise<Situation>> = {
  'bad arguments': async () => ({}),
  'port in use': async () => {
    const server = await startServer('lessons/03-tcp-hello/server.ts');
    after(() => server.stop());
    return { port: server.port };
  },
  'nothing listening': async () => ({ port: await freeTcpPort() }),
  'no reply in time': async () => ({ port: await freeUdpPort() }),
  // The lookup must fail without asking any server: a stand-in for dns.lookup, preloaded into
  // the lesson's process, answers every name as not found. The lesson's code is unchanged.
  'unknown host': async () => ({ opts: { nodeArgs: offlineDns } }),
  'permission denied': async () => {
    // Binding port 80 needs admin rights on Linux (macOS and Windows allow it), so run as an
    // ordinary user; as root, as the user nobody.
    if (process.platform !== 'linux') return { skip: 'only Linux refuses port 80 to users' };
    const start = readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim();
    if (Number(start) <= 80) {
      return {
        skip: `this system lets every user bind port 80 (ip_unprivileged_port_start=${start})`,
      };
    }
    if (process.getuid?.() !== 0) return {};
    const nobody = { uid: 65534, gid: 65534 };
    const asNobody = (script: string, ...args: string[]) =>
      spawnSync(process.execPath, ['-e', script, ...args], nobody).status === 0;
    if (!asNobody('')) {
      return {
        skip: `running as root, and the user nobody cannot run ${process.execPath} (inside a private folder?); run the suite as an ordinary user to test this row`,
      };
    }
    const readable = 'for (const f of process.argv.slice(1)) require("fs").accessSync(f, 4)';
    if (!asNobody(readable, lesson, tsxFile)) {
      return {
        skip: 'running as root, and the user nobody cannot read this checkout (inside a private folder?); run the suite as an ordinary user to test this row',
      };
    }
    const env = { ...process.env, NODE_V8_COVERAGE: '' }; // nobody cannot write root's coverage
    return { opts: { ...nobody, env } };
  },
  'missing file': fileServer,
  'path refused': fileServer,
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
    // Swap the README's port (the article's) for the one the test set up, and back for logs.
    const shown = situation.articlePort ?? 8080;
    const swap = (text: string) =>
      situation.port === undefined
        ? text
        : text
            .replace(new RegExp(`\\b${shown + 1}\\b`, 'g'), String(situation.port + 1))
            .replace(new RegExp(`\\b${shown}\\b`, 'g'), String(situation.port));
    const [node, file, ...args] = swap(row.command).split(' ');
    assert.equal(node, 'node', 'an example runs a lesson with plain node');
    const result = await runLesson(file, args, situation.opts);
    assert.equal(result.code, row.code, [...result.out, ...result.err].join('\n'));
    if (row.inServerLog)
      assert.ok(situation.log?.().includes(row.line), situation.log?.().join('\n'));
    else assert.equal(result.err[0], swap(row.line));
  });
}

test('output piped into a program that stops reading (| head) ends quietly, exit code 0', async () => {
  const many = Array.from({ length: 2000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
  const proc = spawnLesson('lessons/00-basics/ip.ts', many);
  proc.child.stdout?.destroy(); // as head does once it has its lines
  assert.deepEqual([await proc.exited, proc.err], [{ code: 0, signal: null }, []]);
});
