/**
 * @title A stale socket file, a private folder (残留的套接字文件、私有目录)
 * @article 002 "2-2-1-1-语法01"; 000 "创建socket"; 001 "参数说明"
 * @imported-by server.ts
 * @run node lessons/11-unix-socket/server.ts [--path PATH] [--quiet]
 * @run npx tsx lessons/11-unix-socket/server.ts [--path PATH] [--quiet]
 * @run deno run --allow-net --allow-read --allow-write --allow-env=TMPDIR,TMP,TEMP --allow-sys=uid lessons/11-unix-socket/server.ts [--path PATH] [--quiet]
 * @run bun lessons/11-unix-socket/server.ts [--path PATH] [--quiet]
 *
 * What the server does before bind(): a file already at the path makes bind() fail, and a
 * server that crashed leaves its socket file behind. Only that one is removed.
 */
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { defaultPath, explainLocal } from './local.ts';

/**
 * Make `at` ready to listen on, or say why not (a line for the learner). The server calls this
 * before bind(), which fails on any file already at the path.
 */
export async function prepare(at: string): Promise<string | null> {
  try {
    return await look(at);
  } catch (err) {
    return explainLocal(err as NodeJS.ErrnoException, at); // e.g. EACCES: another user's folder
  }
}

/** prepare()'s steps; a file-system error on the way is thrown to it. */
async function look(at: string): Promise<string | null> {
  // 1. A pipe is no file: it goes away with the server that made it. Nothing to look at.
  if (process.platform === 'win32') return null;
  // 2. The default folder must be this user's alone (0700): made so, or checked to be so.
  if (at === defaultPath()) {
    const problem = privateFolder(path.dirname(at));
    if (problem) return problem;
  }
  // 3. Nothing at the path: free. Something that is not a socket: never ours to delete.
  const found = lstatSync(at, { throwIfNoEntry: false });
  if (!found) return null;
  if (!found.isSocket()) return `${at} exists and is not a socket; not removing it`;
  // 4. A socket: knock. A server that answers keeps it; any error but "refused" is reported.
  const answer = await knock(at);
  if (answer === 'connected') return `a server is already listening on ${at}`;
  if (answer !== 'ECONNREFUSED') return explainLocal({ code: answer, syscall: 'connect' }, at);
  // 5. Nobody answered: a file left by a server that crashed or was killed. Remove it.
  unlinkSync(at);
  console.log(`removed ${at}, left by a server that stopped`);
  return null;
}

/** The folder for the default path: made for this user alone (0700), or checked to be so. */
function privateFolder(dir: string): string | null {
  try {
    mkdirSync(dir, { mode: 0o700 });
    return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // prepare() explains it
  }
  // Someone else may have made it first, to read what we send: then it is not ours to use.
  const info = lstatSync(dir);
  const mine = info.isDirectory() && info.uid === process.getuid?.();
  if (mine && (info.mode & 0o077) === 0) return null;
  return `${dir} is not a private folder of yours (mode 0700); remove it, or choose a --path`;
}

/** Try to connect: 'connected' if a server answers, else the error's code. */
function knock(at: string): Promise<string> {
  return new Promise((resolve) => {
    const probe = net.connect({ path: at });
    probe.on('connect', () => {
      probe.destroy();
      resolve('connected');
    });
    probe.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
