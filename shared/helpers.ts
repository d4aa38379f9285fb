/**
 * @title Shared helpers (公共工具)
 * @imported-by the lessons; not run on its own
 *
 * Plumbing only, the same in every lesson: command-line options, one-line messages for the
 * network errors a learner meets, a clean stop on Ctrl+C, and lines typed on stdin. What a lesson
 * teaches is in its own folder. `npm run take` copies what a lesson uses into the lesson file.
 */
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
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
      return (
        `port ${port} is already in use; try ${option} ${port + 1} (what holds it: ` +
        `lsof -i :${port}, or on Windows netstat -ano | findstr :${port})`
      );
    case 'EACCES': // Windows has no admin-only ports: a range reserved by Hyper-V, WSL2 or Docker
      if (process.platform !== 'win32') {
        const advice = `ports below 1024 need admin rights, try ${option} ${port + 8000}`;
        return `permission denied for ${where}; ${advice}`;
      }
      return (
        `port ${port} is reserved or held exclusively by another program; try ${option} ` +
        `${port + 8000} (reserved ranges: netsh int ipv4 show excludedportrange protocol=tcp)`
      );
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
