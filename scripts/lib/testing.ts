// The tests' own helpers (this file has no tests of its own), beside the rest of the harness:
// processes in proc.ts, raw peers in peer.ts, the bad inputs and the servers they go to in
// abuse.ts and targets.ts. Like Node's test/common, one place for all of it, under scripts/lib/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { normalise } from './demo.ts';
import { type Proc, runLesson, type SpawnOptions, spawnProgram } from './proc.ts';

/** A UDP port that was free a moment ago (bound to port 0, then released). */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/** A TCP port with nothing listening on it (listened on port 0, then closed). */
export async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Lines with the server's port shown as `articlePort` and client ports as 50001, 50002 ... */
export function norm(lines: string[], realPort: number, articlePort: number): string[] {
  return normalise(lines.join('\n'), realPort, articlePort).split('\n');
}

/**
 * Node options that replace dns.lookup, in a lesson's process, with one that finds no name and
 * asks no server: an unknown host without a DNS query leaving this machine.
 */
export const offlineDns = [
  '--import',
  `data:text/javascript,${encodeURIComponent(
    `import dns from 'node:dns';
    dns.lookup = (hostname, options, callback) => {
      const error = Object.assign(new Error('getaddrinfo ENOTFOUND ' + hostname), {
        code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname });
      process.nextTick(typeof options === 'function' ? options : callback, error);
    };`,
  )}`,
];

/** A throwaway TCP server for faking the other side; resolves with its port. */
export async function fakeServer(
  onConnection: (socket: net.Socket) => void,
  allowHalfOpen = false,
) {
  const server = net.createServer({ allowHalfOpen }, onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The MD5 of a file, as 32 hex characters. */
export const md5Of = (file: string) => createHash('md5').update(readFileSync(file)).digest('hex');

/**
 * Make a symbolic link. Windows refuses that (EPERM) without admin rights or Developer Mode; then
 * this returns the reason to skip what needs the link, else false (nothing to skip).
 */
export function makeLink(target: string, link: string): string | false {
  try {
    symlinkSync(target, link);
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    return 'cannot make a symbolic link here (EPERM: on Windows that needs admin rights or Developer Mode)';
  }
}

/**
 * Node options that make every symlinkSync in a process fail with EPERM, as on Windows without
 * admin rights, so that the tests can check that they skip then instead of failing.
 */
export const noSymlinks = [
  '--import',
  `data:text/javascript,${encodeURIComponent(
    `import fs from 'node:fs';
    import { syncBuiltinESMExports } from 'node:module';
    fs.symlinkSync = (target, link) => {
      throw Object.assign(new Error("EPERM: operation not permitted, symlink '" + target + "'"), {
        code: 'EPERM', errno: -4048, syscall: 'symlink' });
    };
    syncBuiltinESMExports();
    process.env.SOCKET_LESSONS_NO_SYMLINKS = '1';`,
  )}`,
];

/**
 * Files for the transfer lessons, in a fresh temporary folder: `root` holds random files of
 * 0 B, 1 B, 1025 B and 20 MiB, plus `escape.txt`, a link to `secret.txt` outside the root
 * (unless links cannot be made here: then `noLinks` says why); `downloads` is an empty folder
 * for clients to write into.
 */
export function transferFiles() {
  const base = mkdtempSync(path.join(tmpdir(), 'socket-lessons-files-'));
  const root = path.join(base, 'root');
  const downloads = path.join(base, 'downloads');
  mkdirSync(root);
  mkdirSync(downloads);
  const sizes = { 'empty.bin': 0, 'one.bin': 1, 'k.bin': 1025, 'big.bin': 20 * 1024 * 1024 };
  for (const [name, size] of Object.entries(sizes)) {
    writeFileSync(path.join(root, name), randomBytes(size));
  }
  writeFileSync(path.join(base, 'secret.txt'), 'secret');
  const noLinks = makeLink(path.join(base, 'secret.txt'), path.join(root, 'escape.txt'));
  const remove = () => rmSync(base, { recursive: true });
  return { base, root, downloads, sizes, noLinks, remove };
}

/** Python, for running the articles' programs; `noPython` is a skip reason when it is missing. */
export const python = process.platform === 'win32' ? 'python' : 'python3';
export const noPython = spawnSync(python, ['--version']).status === 0 ? false : `no ${python}`;

/**
 * Article 000's file server (示例3-tcp文件下载), as it is but for port 0, a readiness line and a
 * line per connection: the whole file read into memory, then one send(). The 05 tests talk to
 * it; the benchmark compares lesson 05 with it.
 */
export const articleFileServer = `
import socket
tcp_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp_socket.bind(("127.0.0.1", 0))
tcp_socket.listen(128)
print("listening on %s:%d" % tcp_socket.getsockname(), flush=True)
while True:
    new_socket, client_addr = tcp_socket.accept()
    print("connected", flush=True)
    want_file = new_socket.recv(1024).decode("utf-8")
    try:
        with open(want_file, "rb") as f:
            file_data = f.read()
    except Exception:
        file_data = None
    if file_data:
        new_socket.send(file_data)
    new_socket.close()
`;

/**
 * Article 001's FTP server (六、ftp传文件的实现), reduced to its socket calls, for the 07 tests and
 * the benchmark. It prints its port when ready and `connected` for each client (the benchmark's
 * clock starts there). It sends the file line by line, as the article does (`for line in f`).
 */
export const articleFtpServer = `
import hashlib, os, socket
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()
print("listening on %s:%d" % server.getsockname(), flush=True)
while True:
    conn, addr = server.accept()
    print("connected", flush=True)
    while True:
        data = conn.recv(1024)
        if not data:
            break
        cmd, filename = data.decode().split()
        if os.path.isfile(filename):
            f = open(filename, "rb")
            m = hashlib.md5()
            conn.send(str(os.stat(filename).st_size).encode())
            conn.recv(1024)
            for line in f:
                m.update(line)
                conn.send(line)
            f.close()
            conn.send(m.hexdigest().encode())`;

/** Start a Python server given as source; it prints `listening on 127.0.0.1:PORT` when ready. */
export async function startPython(source: string, cwd?: string) {
  const proc = spawnProgram(python, ['-c', source], { cwd });
  const port = Number((await proc.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/))[1]);
  return { ...proc, port };
}

/** A client started where nothing listens says so in one line and exits with code 1. */
export async function assertNoServer(file: string, args: string[] = [], opts: SpawnOptions = {}) {
  const port = await freeTcpPort();
  const result = await runLesson(file, ['--port', String(port), ...args], opts);
  assert.deepEqual(
    [result.code, result.err],
    [1, [`error: nothing is listening on 127.0.0.1:${port}; start the server first`]],
  );
}

/** Ctrl+C (SIGINT) closes a server: it says `server closed` and exits 0. */
export async function assertCleanStop(server: Proc) {
  assert.deepEqual(await server.stop('SIGINT'), { code: 0, signal: null });
  assert.equal(server.out.at(-1), 'server closed');
}

/** The process's exit if it comes within `ms`, else 'still running': a bound on how long to watch. */
export async function exitWithin(proc: Proc, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watch = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), ms);
  });
  try {
    return await Promise.race([proc.exited, watch]);
  } finally {
    clearTimeout(timer);
  }
}

/** A file server exits 2 for a --root that is no folder: missing, a file, a path through a file. */
export async function assertBadRoots(serverFile: string) {
  for (const root of ['no/such/folder', 'package.json', 'package.json/x']) {
    const badRoot = await runLesson(serverFile, ['--port', '0', '--root', root]);
    assert.deepEqual(
      [badRoot.code, badRoot.err[0]],
      [2, `error: --root '${root}' is not a folder`],
      badRoot.err.join('\n'),
    );
  }
}
