/**
 * @title Local socket paths (本地套接字的路径)
 * @article 002 "2-2-1-1-语法01"; 000 "创建socket"; 001 "参数说明"
 * @imported-by server.ts, client.ts, stale.ts
 * @run node lessons/11-unix-socket/server.ts [--path PATH] [--quiet]
 * @run npx tsx lessons/11-unix-socket/server.ts [--path PATH] [--quiet]
 * @run deno run --allow-net --allow-read --allow-write --allow-env=TMPDIR,TMP,TEMP --allow-sys=uid lessons/11-unix-socket/server.ts [--path PATH] [--quiet]
 * @run bun lessons/11-unix-socket/server.ts [--path PATH] [--quiet]
 *
 * What a local socket's address needs that a port does not: a default path per platform, a
 * length limit, and the error lines (the stale file and the private folder are in stale.ts).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { usageError } from '../../shared/helpers.ts';

const windows = process.platform === 'win32';

/**
 * The longest path a local socket may have. The kernel keeps it in `sun_path`: 108 bytes on
 * Linux, 104 on macOS and the BSDs, the last one for the closing NUL. On Windows a local socket
 * is a named pipe, whose name may have 256 characters.
 */
const MAX_PATH = windows ? 256 : process.platform === 'linux' ? 107 : 103;

/** --path (checked: a pipe name on Windows, not too long) and --quiet; exits 2 on bad input. */
export function parseLocalCli(usage: string, withQuiet = false) {
  // 1. The options: --path, whose default depends on the platform (defaultPath, below).
  const options: NonNullable<ParseArgsConfig['options']> = {
    path: { type: 'string', default: defaultPath() },
    help: { type: 'boolean', short: 'h', default: false },
  };
  if (withQuiet) options.quiet = { type: 'boolean', short: 'q', default: false };
  let values: Record<string, unknown> = {};
  try {
    values = parseArgs({ options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    usageError((err as Error).message.replace(/^Unknown/, 'unknown').replace(/\. To.*/, ''), usage);
  }
  if (values.help) {
    console.log(`usage: ${usage}`);
    process.exit(0);
  }
  // 2. On Windows a local socket is a named pipe, and its name says so.
  const at = String(values.path);
  if (at === '') usageError('--path is empty: give the path of the socket file', usage);
  if (windows && !/^\\\\[.?]\\pipe\\./i.test(at)) {
    usageError(`on Windows a local socket is a named pipe: --path \\\\.\\pipe\\NAME`, usage);
  }
  // 3. Not too long for sun_path (MAX_PATH).
  // Pitfall: Node 20 and 22 cut a longer path short without a word, and listen on (or connect
  //    to) another file; Node 26 says EINVAL. So the length is checked here, in bytes.
  const size = windows ? at.length : Buffer.byteLength(at);
  if (size > MAX_PATH) {
    const limit = `at most ${MAX_PATH} on ${process.platform}`;
    usageError(`the path is ${size} bytes long, ${limit}; choose a shorter --path`, usage);
  }
  return { path: at, quiet: values.quiet === true };
}

/**
 * Where the server listens when no --path is given, and the client connects. On Windows, a
 * named pipe (Node's net module speaks to pipes with the same calls). Elsewhere, a folder of
 * this user's own in the temporary folder: /tmp/socket-lessons-1000/echo.sock for user 1000.
 */
export function defaultPath(): string {
  if (windows) return '\\\\.\\pipe\\socket-lessons-echo';
  return path.join(os.tmpdir(), `socket-lessons-${process.getuid?.()}`, 'echo.sock');
}

/** The one line a learner sees for a local socket's error (the client's or the server's). */
export function explainLocal(
  err: { code?: string; syscall?: string; message?: string },
  at: string,
) {
  const connecting = err.syscall === 'connect';
  // Pitfall: listen() in a folder that does not exist fails with EACCES, not ENOENT (libuv
  //    says what Windows says), so "permission denied" would send you the wrong way.
  const noFolder = !connecting && !windows && !existsSync(path.dirname(at));
  switch (err.code) {
    case 'ENOENT':
    case 'EACCES':
    case 'EPERM':
      if (noFolder) return `the folder of ${at} does not exist; make it, or choose another --path`;
      if (err.code === 'ENOENT') return `no server at ${at}; start the server first`;
      return `permission denied for ${at}: it, or its folder, belongs to another user`;
    case 'ECONNREFUSED': // a file, but no server: one that crashed, or not a socket at all
      return `nothing is listening on ${at}; start the server first`;
    case 'EADDRINUSE':
      return `${at} is in use by another server; stop it, or choose another --path`;
    case 'ECONNRESET':
      return `the connection to ${at} was reset by the other side`;
    default:
      return `${at}: ${err.code ?? err.message}`;
  }
}
