// The whole suite (`npm test`) on other versions of Node, one after another, without touching
// this machine's Node: `npm run test:node -- 22 24 26` (a major picks the version this project
// tests of that line; a full version such as 24.21.0 is taken as it is).
//
// Each version is fetched once into a cache folder outside the project (scripts/lib/nodes.ts),
// then put first on PATH for one run of `npm test`, so every `node` the suite starts is that one.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fetchNode, platform, resolveNode } from './lib/nodes.ts';
import { root } from './lib/proc.ts';

const usage = 'usage: npm run test:node -- MAJOR|VERSION ... (for example: 22 24 26, or 24.21.0)';
const wanted = process.argv.slice(2);
if (wanted.length === 0 || wanted.some((each) => !/^\d+(\.\d+\.\d+)?$/.test(each))) {
  console.error(usage);
  process.exit(2);
}

/** Run `npm test` with that Node first on PATH; resolve with its exit code and summary line. */
function runSuite(version: string, bin: string): Promise<{ code: number; summary: string }> {
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
  const node = path.join(bin, platform === 'win' ? 'node.exe' : 'node');
  const npm = process.env.npm_execpath;
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
    const version = resolveNode(asked);
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
