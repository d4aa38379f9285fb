/**
 * @title Shared helpers (公共工具)
 * @imported-by the lessons; not run on its own
 *
 * What many lessons would otherwise repeat: command-line parsing, one-line error messages for
 * the network errors a learner meets, clean shutdown, lines typed on stdin, and the three ways
 * the lessons read a stream, each taught where it first matters: a message up to a pause
 * (readUntilPause, lesson 05), a file only inside its folder (resolveInside, lesson 05), and
 * exactly N bytes (readExactly, lesson 06). `npm run take` copies what a lesson uses into it.
 */
import { writeSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
/** The parsed value of each option: booleans are booleans, strings with a default are set. */
type Values<T extends Options> = {
  [K in keyof T]: T[K] extends { type: 'boolean' }
    ? boolean
    : T[K] extends { default: string }
      ? string
      : string | undefined;
};

/** Output piped into a program that stops reading (`| head`) ends this one quietly. */
process.stdout.on('error', (err: NodeJS.ErrnoException) =>
  process.exit(err.code === 'EPIPE' ? 0 : 1),
);

/** Bad arguments: say what is wrong and how to call the program, then exit with code 2. */
export function usageError(problem: string, usage: string): never {
  writeSync(2, `error: ${problem}\nusage: ${usage}\n`);
  process.exit(2);
}

/**
 * Parse `--host` (default 127.0.0.1), `--port` (default: the article's port) and the lesson's own
 * options. Bad input prints the problem and the usage line, then exits with code 2.
 */
export function parseCli<const T extends Options>(usage: string, defaultPort: number, extra: T) {
  const options: Options = {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: String(defaultPort) },
    help: { type: 'boolean', short: 'h', default: false },
    ...extra,
  };
  try {
    const { values } = parseArgs({ options, strict: true, allowPositionals: false });
    if (values.help) {
      console.log(`usage: ${usage}`);
      process.exit(0);
    }
    const text = String(values.port);
    const port = Number(text);
    if (!/^\d+$/.test(text) || port > 65535) {
      throw new Error(`invalid port '${text}': use a number from 0 to 65535`);
    }
    return { ...(values as Values<T>), host: String(values.host), port };
  } catch (err) {
    // parseArgs explains at length how to pass a positional '-x'; the first sentence is enough.
    const message = (err as Error).message
      .replace(/^Unknown/, 'unknown')
      .replace(/\. To specify.*/, '');
    usageError(message, usage);
  }
}

/** A positive number of seconds, for options such as --timeout; exits 2 on anything else. */
export function seconds(value: string, usage: string): number {
  const parsed = Number(value);
  if (!(parsed > 0)) usageError(`invalid number of seconds '${value}'`, usage);
  return parsed;
}

/** `host:port`, with brackets around an IPv6 host. */
export function hostPort(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return '(a client that left at once)'; // reset before accept()
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The one line a learner sees for a network error, instead of a stack trace. */
export function explain(err: NodeJS.ErrnoException, host: string, port: number, option = '--port') {
  const where = hostPort(host, port);
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use; try ${option} ${port + 1} (what holds it: lsof -i :${port}, or on Windows netstat -ano | findstr :${port})`;
    case 'EACCES': // Windows has no admin-only ports: a range reserved by Hyper-V, WSL2 or Docker
      return process.platform === 'win32'
        ? `port ${port} is reserved or held exclusively by another program; try ${option} ${port + 8000} (reserved ranges: netsh int ipv4 show excludedportrange protocol=tcp)`
        : `permission denied for ${where}; ports below 1024 need admin rights, try ${option} ${port + 8000}`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine; try --host 127.0.0.1`;
    case 'ECONNREFUSED':
      return `nothing is listening on ${where}; start the server first`;
    case 'ECONNRESET':
      return `the connection to ${where} was reset by the other side`;
    case 'EPIPE':
      return `${where} closed the connection while we were still sending`;
    case 'ETIMEDOUT':
      return `timed out talking to ${where}; is the host up and the port open?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `unknown host '${host}'; check the spelling or use an IP address`;
    default:
      return err.message;
  }
}

let exiting = false; // set by exitWith

/** Print one error line, then exit with `code` once what is already on stdout is flushed. */
export function exitWith(code: number, line: string): void {
  if (exiting) return; // a second error while exiting adds nothing
  exiting = true;
  writeSync(2, `${line}\n`);
  process.stdout.write('', () => process.exit(code));
}

/** Report a network error in one line and exit with code 1. */
export function fail(err: NodeJS.ErrnoException, host: string, port: number, option?: string) {
  exitWith(1, `error: ${explain(err, host, port, option)}`);
}

/**
 * On Ctrl+C (SIGINT) or SIGTERM: run `close`, say so, and exit 0. A program that started this one
 * with an IPC channel (the tests, on Windows, where a signal is a hard kill) sends 'SIGINT'.
 */
export function onShutdown(close: () => void): void {
  const stop = () => {
    close();
    process.stdout.write('server closed\n', () => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.channel?.unref(); // the channel alone does not keep the server running
  process.on('message', (message) => message === 'SIGINT' && stop());
}

/**
 * Lines typed on stdin, until the quit word or end of input: the end of a pipe, Ctrl+D, or on
 * Windows Ctrl+Z then Enter (Node hands both keys over as a line holding \x1a or \x04).
 * `for await` over it waits for each line, like Python's input() in a loop.
 */
export async function* stdinLines(quitWord: string): AsyncGenerator<string> {
  const input = createInterface({ input: process.stdin });
  if (process.stdin.isTTY) console.log(`(type a line and press Enter; '${quitWord}' quits)`);
  try {
    for await (const line of input) {
      if (line.trim() === quitWord || line === '\x04' || line === '\x1a') break;
      yield line;
    }
  } finally {
    input.close();
  }
}

/**
 * One small message of a protocol with no length and no end marker: the articles send a file name,
 * a command, a size or an ack, then wait for the answer. So the message is every byte that comes
 * until the sender closes its side or pauses for `quietMs`, not one read. Resolves null if the
 * stream ends before any byte; stops early at `maxBytes`.
 */
export function readUntilPause(stream: Readable, quietMs = 50, maxBytes = 4096) {
  return new Promise<Buffer | null>((resolve, reject) => {
    // 1. A stream that has ended already holds no message: null, as the article's recv()
    //    returns b'' once the other side has closed.
    if (stream.readableEnded || stream.destroyed) {
      resolve(null);
      return;
    }
    const parts: Buffer[] = []; // the reads so far: one message can come in several
    let received = 0; // bytes in `parts`
    let timer: ReturnType<typeof setTimeout> | undefined;

    // 2. Listen: 'readable' for every read that arrives, 'end' when the sender closes its side
    //    (the message is complete), 'error' on a reset. Then look at once, in case some bytes
    //    were already waiting in the stream before we asked.
    stream.on('readable', onReadable);
    stream.once('end', settle);
    stream.once('error', settle);
    onReadable();

    // 3. Take every byte that has come so far, and start the quiet timer again: the message is
    //    over only when the sender has said nothing for `quietMs` (it is waiting for our
    //    answer). A message that grows to `maxBytes` is over at once, so no sender can fill our
    //    memory.
    function onReadable() {
      for (let chunk = stream.read(); chunk !== null; chunk = stream.read()) {
        parts.push(chunk);
        received += chunk.length;
      }
      clearTimeout(timer);
      if (received >= maxBytes) settle();
      else if (received > 0) timer = setTimeout(settle, quietMs);
    }

    // 4. Finished, by a pause, the size limit, the end of the stream or an error: stop
    //    listening, so the bytes that come after this message stay in the stream for the next
    //    read, and hand over the message (or null if not one byte came).
    function settle(err?: Error | null) {
      clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('end', settle);
      stream.off('error', settle);
      if (err) reject(err);
      else resolve(parts.length > 0 ? Buffer.concat(parts) : null);
    }
  });
}

/**
 * Exactly `size` bytes from a stream, however the network split them (the fix for "one recv()
 * is one message"). Rejects if the stream ends first; the error's `got` says how many came.
 */
export function readExactly(stream: Readable, size: number): Promise<Buffer> {
  // 1. Zero bytes are there already: nothing to wait for.
  if (size === 0) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    // 2. Listen: 'readable' whenever more bytes arrive, 'end' if the sender closes first,
    //    'error' on a reset. Then try at once: the bytes may be waiting in the stream already.
    stream.on('readable', tryRead);
    stream.once('end', onEnd);
    stream.once('error', settle);
    tryRead();

    // 3. Ask for exactly `size` bytes. read(size) returns null until that many have arrived,
    //    however many reads (recv) brought them, so a part of the message simply waits for the
    //    next 'readable'. This is the article's `while received_size < size` loop.
    function tryRead() {
      const data: Buffer | null = stream.read(size);
      if (data === null) {
        if (stream.readableEnded) settle(closedEarly(0)); // it had ended before we asked
        return;
      }
      // At the end of the stream read() hands over whatever is left, which may be short.
      if (data.length === size) settle(null, data);
      else settle(closedEarly(data.length));
    }

    // 4. The stream ended before `size` bytes came: an error that says how many did (`got`),
    //    so that a caller can tell how far a transfer got.
    function closedEarly(got: number) {
      return Object.assign(new Error(`connection closed after ${got} of ${size} bytes`), { got });
    }
    function onEnd() {
      settle(closedEarly(0));
    }

    // 5. Done either way: stop listening, so the bytes after these `size` stay in the stream for
    //    the next read (lesson 07's MD5 follows its file), and hand over the bytes or the error.
    function settle(err: Error | null, data?: Buffer) {
      stream.off('readable', tryRead);
      stream.off('end', onEnd);
      stream.off('error', settle);
      if (err) reject(err);
      else resolve(data as Buffer);
    }
  });
}

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
