/**
 * @title A file inside the served folder, and nowhere else (只在根目录内找文件)
 * @article 000 "示例3-tcp文件下载"; 003 "三、文件下载"
 * @imported-by server.ts, ../07-ftp-get/server.ts
 *
 * The article opens whatever name a client sends. A file server must not: `../`, an absolute
 * path or a symbolic link could reach any file of the machine. Used by lessons 05 and 07.
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
  const error = (message: string, code = 'EOUTSIDEROOT') =>
    Object.assign(new Error(message), { code });
  const refuse = (why: string) => error(`refused '${name}': ${why}`);
  if (name === '' || name.includes('\0')) throw refuse('empty, or has a NUL byte');
  if (path.isAbsolute(name) || path.win32.isAbsolute(name)) throw refuse('an absolute path');
  if (name.split(/[\\/]/).includes('..')) throw refuse("'..' leads out of the folder");
  // Node's own message names the path it tried, in the server's folder: keep only the code.
  const lookup = (target: string) =>
    realpath(target).catch(({ code }: NodeJS.ErrnoException) => {
      if (code === 'ENOENT' || code === 'ENOTDIR') throw error('no such file', 'ENOENT'); // a.txt/x
      throw error(code === 'ENAMETOOLONG' ? 'name too long' : `cannot open it (${code})`, code);
    });
  const rootReal = await lookup(root);
  const fileReal = await lookup(path.join(rootReal, name)); // follows every symbolic link
  if (fileReal === rootReal) throw refuse('the folder itself, not a file in it');
  // A drive root (C:\, or / on Linux) already ends with the separator.
  if (!fileReal.startsWith(rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep))
    throw refuse('a link that leads out of the folder');
  return fileReal;
}
