/**
 * @title Only files inside the folder (只给目录里的文件)
 * @article 000 "示例3-tcp文件下载"; 003 "三、文件下载"
 * @imported-by server.ts
 * @run node lessons/05-file-download/server.ts [--port 7890] [--root .]
 * @run npx tsx lessons/05-file-download/server.ts [--port 7890] [--root .]
 * @run deno run --allow-net --allow-read lessons/05-file-download/server.ts [--port 7890] [--root .]
 * @run bun lessons/05-file-download/server.ts [--port 7890] [--root .]
 *
 * A file server opens the name a client sends. Without this check `../../etc/passwd`
 * or a symbolic link serves any file of the machine (path traversal).
 * Taught here, in lesson 05. Later lessons that need it keep a copy in
 * their own folder, so each folder runs on its own; tests/contract.test.ts checks that
 * every copy is this file word for word below its header.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * The real path of the file `name` inside the folder `root`, for a server that hands out files.
 * Rejects a name that could reach outside the root: `..`, an absolute path, a NUL byte, or a
 * symbolic link that leads out. Such errors have the code 'EOUTSIDEROOT'; a missing file has
 * 'ENOENT'. No message names a path: Node's would show the server's own folder to the client.
 */
export async function resolveInside(root: string, name: string): Promise<string> {
  // 1. Look at the name itself first. An empty name, a NUL byte (no file name has one), an
  //    absolute path (`/etc/passwd`, `C:\x`, `\\server\share`) and a `..` part, between `/` or
  //    `\` (Windows takes both), are refused before the disk is asked anything.
  if (name === '' || name.includes('\0')) throw refuse(name, 'empty, or has a NUL byte');
  if (path.isAbsolute(name) || path.win32.isAbsolute(name)) {
    throw refuse(name, 'an absolute path');
  }
  if (name.split(/[\\/]/).includes('..')) throw refuse(name, "'..' leads out of the folder");

  // 2. Ask the file system where the folder and the file really are: realpath() follows every
  //    symbolic link on the way, so `notes -> /etc` becomes `/etc` here. A missing file stops
  //    here too (ENOENT).
  const rootReal = await lookup(root);
  const fileReal = await lookup(path.join(rootReal, name));

  // 3. The real file must be in the real folder (a link can lead out of it) and not be the
  //    folder itself. A drive root (C:\, or / on Linux) already ends with the separator.
  if (fileReal === rootReal) throw refuse(name, 'the folder itself, not a file in it');
  const folder = rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep;
  if (!fileReal.startsWith(folder)) throw refuse(name, 'a link that leads out of the folder');
  return fileReal;
}

/** The real path of `target`, or an error that names no path (see resolveInside). */
async function lookup(target: string): Promise<string> {
  try {
    return await realpath(target);
  } catch (err) {
    // Node's own message names the path it tried, in the server's folder: keep only the code.
    const { code } = err as NodeJS.ErrnoException;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw failure('no such file', 'ENOENT'); // a.txt/x
    if (code === 'ENAMETOOLONG') throw failure('name too long', code);
    throw failure(`cannot open it (${code})`, code);
  }
}

/** A name that would lead out of the folder: the message the server logs, code EOUTSIDEROOT. */
function refuse(name: string, why: string) {
  return failure(`refused '${name}': ${why}`);
}

function failure(message: string, code = 'EOUTSIDEROOT') {
  return Object.assign(new Error(message), { code });
}
