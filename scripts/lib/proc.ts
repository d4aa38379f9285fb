// Spawning lesson processes, for the tests and the tour alike.
// Each child runs as `node --import tsx FILE` (no wrapper process, so a kill reaches the real
// program), with piped stdio, and is killed if this process exits first.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** tsx's loader by absolute URL, so a child started in another folder still finds it. */
export const tsx = import.meta.resolve('tsx');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Proc {
  child: ChildProcess;
  /** stdout lines so far (a trailing partial line is added on exit). */
  out: string[];
  /** stderr lines so far. */
  err: string[];
  exited: Promise<Exit>;
  /** Resolve with the first stdout line (from index `from` on) that matches, or reject on exit. */
  waitFor(pattern: RegExp, from?: number): Promise<RegExpMatchArray>;
  /** Send a signal (default SIGINT, like Ctrl+C) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/**
 * The runtimes a lesson runs on unchanged: Node with tsx's loader, plain Node (which strips the
 * types itself from 22.18 on), Deno and Bun.
 */
export type Runtime = 'tsx' | 'node' | 'deno' | 'bun';
export const runtimes: Runtime[] = ['tsx', 'node', 'deno', 'bun'];

/** Node 22.18 and later run a .ts file with nothing installed. */
export const stripsTypes = (version: string) => {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 18);
};

const found = new Map<Runtime, string | null>();
/**
 * The binary for a runtime, or null if it is absent. deno and bun: from `npm install --no-save
 * deno bun`, else from PATH. node: this Node if it strips types, else one set with `useNode`.
 */
export function findRuntime(runtime: Runtime): string | null {
  if (runtime === 'tsx') return process.execPath;
  if (runtime === 'node') {
    return found.get('node') ?? (stripsTypes(process.version) ? process.execPath : null);
  }
  if (!found.has(runtime)) {
    const local = path.join(root, 'node_modules', '.bin', runtime);
    const works = (command: string) => spawnSync(command, ['--version']).status === 0;
    found.set(runtime, [local, runtime].find(works) ?? null);
  }
  return found.get(runtime) ?? null;
}

/** Run the `node` runtime on this binary (a Node 22.18 or later from scripts/lib/nodes.ts). */
export function useNode(binary: string) {
  found.set('node', binary);
}

/** Deno's permission flags for a lesson file, from its `@run deno run --allow-… FILE` line. */
export function denoFlags(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const line = source.match(/^ \* @run deno run ((?:--allow-\S+ )*)\S+\.ts/m);
  if (!line) throw new Error(`${file} has no '@run deno run --allow-… ' line in its header`);
  return line[1].split(' ').filter(Boolean);
}

/** The command and arguments that run a lesson file on a runtime. */
export function lessonCommand(runtime: Runtime, file: string): [string, string[]] {
  const command = findRuntime(runtime);
  if (!command) {
    const fix = runtime === 'node' ? 'Node 22.18 or later' : 'npm install --no-save deno bun';
    throw new Error(`${runtime} is not installed; try: ${fix}`);
  }
  if (runtime === 'tsx') return [command, ['--import', tsx, file]];
  if (runtime === 'node') return [command, [file]];
  if (runtime === 'deno') return [command, ['run', ...denoFlags(file), file]];
  return [command, [file]];
}

export interface SpawnOptions {
  /** Which runtime runs a lesson file (default tsx, that is Node with tsx's loader). */
  runtime?: Runtime;
  /** Options for Node itself (before the file), on the runtimes that are Node. */
  nodeArgs?: string[];
  /** Lines written to stdin, then stdin is closed. Leave out to keep stdin open. */
  stdin?: string[];
  cwd?: string;
  /** Called with each complete line as it arrives. */
  onLine?: (stream: 'out' | 'err', line: string) => void;
  /** Run as another user (POSIX), and with another environment. */
  uid?: number;
  gid?: number;
  env?: NodeJS.ProcessEnv;
  /** Keep only the last N lines (benchmarks print millions); default: keep all. */
  keepLines?: number;
  /** Safety net for waitFor, in ms: a hang fails instead of blocking the suite. */
  patience?: number;
  /**
   * Give a Node child an IPC channel, and stop it with the message 'SIGINT' (shared/helpers.ts
   * onShutdown) instead of a signal. Default: on Windows, for servers, where a signal sent to a
   * child is a hard kill and the server could not say 'server closed'.
   */
  ipc?: boolean;
}

const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

/** Start a lesson file (a path relative to the repo root, or absolute). */
export function spawnLesson(file: string, args: string[] = [], opts: SpawnOptions = {}): Proc {
  const runtime = opts.runtime ?? 'tsx';
  const [command, start] = lessonCommand(runtime, path.resolve(root, file));
  const isNode = runtime === 'tsx' || runtime === 'node';
  const node = isNode ? (opts.nodeArgs ?? []) : [];
  return spawnProgram(command, [...node, ...start, ...args], { ...opts, ipc: isNode && opts.ipc });
}

/** Start any program (a Python peer, say) with the same line collection and clean-up. */
export function spawnProgram(command: string, args: string[], opts: SpawnOptions = {}): Proc {
  const child = spawn(command, args, {
    cwd: opts.cwd ?? root,
    stdio: opts.ipc ? ['pipe', 'pipe', 'pipe', 'ipc'] : 'pipe',
    uid: opts.uid,
    gid: opts.gid,
    env: { ...(opts.env ?? process.env), FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  alive.add(child);
  const out: string[] = [];
  const err: string[] = [];
  const waiters = new Set<() => void>();
  const collect = (stream: 'out' | 'err', lines: string[]) => {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    const source = stream === 'out' ? child.stdout : child.stderr;
    const push = (line: string) => {
      lines.push(line.replace(/\r$/, ''));
      if (opts.keepLines && lines.length > opts.keepLines)
        lines.splice(0, lines.length - opts.keepLines);
      opts.onLine?.(stream, line);
      for (const wake of waiters) wake();
    };
    source?.on('data', (chunk: Buffer) => {
      pending += decoder.write(chunk);
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) push(line);
    });
    source?.on('end', () => {
      pending += decoder.end();
      if (pending) push(pending);
    });
  };
  collect('out', out);
  collect('err', err);

  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      alive.delete(child);
      for (const wake of waiters) wake();
      resolve({ code, signal });
    });
  });
  let done = false;
  exited.then(() => {
    done = true;
  });

  if (opts.stdin) {
    child.stdin?.end(opts.stdin.map((line) => `${line}\n`).join(''));
  }
  child.stdin?.on('error', () => {}); // a child that exits early closes its stdin

  const patience = opts.patience ?? 15000;
  const waitFor = (pattern: RegExp, from = 0) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`timed out waiting for ${pattern}`)),
        patience,
      );
      const finish = (error: Error | null, match?: RegExpMatchArray) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (error) reject(error);
        else resolve(match as RegExpMatchArray);
      };
      const check = () => {
        for (let i = from; i < out.length; i++) {
          const match = out[i].match(pattern);
          if (match) return finish(null, match);
        }
        if (done) {
          const said = [...out, ...err].join('\n');
          finish(new Error(`exited before printing ${pattern}; it printed:\n${said}`));
        }
      };
      waiters.add(check);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGINT') => {
    if (done) return exited;
    if (opts.ipc && signal !== 'SIGKILL' && child.connected)
      child.send('SIGINT', (err) => err && child.kill(signal));
    else child.kill(signal);
    return exited;
  };
  return { child, out, err, exited, waitFor, stop };
}

/** Run a lesson file to its end. */
export async function runLesson(file: string, args: string[] = [], opts: SpawnOptions = {}) {
  const proc = spawnLesson(file, args, { stdin: [], ...opts });
  const exit = await proc.exited;
  return { ...exit, out: proc.out, err: proc.err };
}

/** Start a server and wait for its readiness line; returns the real port it got. */
export async function startServer(file: string, args: string[] = [], opts: SpawnOptions = {}) {
  const ipc = opts.ipc ?? process.platform === 'win32';
  const proc = spawnLesson(file, ['--port', '0', ...args], { ...opts, ipc });
  const match = await proc.waitFor(/^(?:listening on|bound to) (.+):(\d+)$/);
  return { ...proc, host: match[1], port: Number(match[2]) };
}

/**
 * Start a local-socket server (lesson 11) at `at`, a path (a pipe name on Windows), and wait
 * for its readiness line, `listening on PATH`.
 */
export async function startLocalServer(
  file: string,
  at: string,
  args: string[] = [],
  opts: SpawnOptions = {},
) {
  const ipc = opts.ipc ?? process.platform === 'win32';
  const proc = spawnLesson(file, ['--path', at, ...args], { ...opts, ipc });
  await proc.waitFor(/^listening on /);
  return { ...proc, path: at };
}

let pipes = 0;
/**
 * A fresh place for a local-socket server (lesson 11): a path in a new private folder (0700),
 * or on Windows a pipe name of its own. `cleanup` removes the folder.
 */
export function freshLocalPath(name = 'echo.sock'): { path: string; cleanup: () => void } {
  if (process.platform === 'win32') {
    const pipe = `\\\\.\\pipe\\socket-lessons-${process.pid}-${++pipes}`;
    return { path: pipe, cleanup: () => {} };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'socket-lessons-local-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  return { path: path.join(dir, name), cleanup };
}
