// Raw peers for the robustness tests, the fuzzer and the benchmarks: a TCP connection or a UDP
// socket that the test drives byte by byte, with every wait bounded.
import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';

/**
 * How long a server may take to react to one input (answer a probe, close after bad bytes) before
 * it counts as a hang: the one bound that abuse.ts, targets.ts and the fuzzer wait with.
 */
export const PATIENCE = 5000;

/** Reject after `ms` unless `work` settles first: a bound, not a way to wait for something. */
export function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, bound]).finally(() => clearTimeout(timer));
}

/** Where a server is: a TCP or UDP port on 127.0.0.1, or a local socket's path (lesson 11). */
export type Address = number | string;

/** Connect a raw client: TCP to 127.0.0.1, or to a local socket's path. */
export async function connect(to: Address): Promise<net.Socket> {
  const socket = typeof to === 'string' ? net.connect({ path: to }) : net.connect(to, '127.0.0.1');
  socket.on('error', () => {}); // a reset is something the tests cause on purpose
  await once(socket, 'connect');
  return socket;
}

/** Everything the other side sends until it closes the connection. */
export function readAll(socket: net.Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  socket.on('data', (part: Buffer) => parts.push(part));
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(parts))));
}

/** Bytes from the socket until `done(received)` says the answer is complete. */
export function readUntil(
  socket: net.Socket,
  done: (received: Buffer) => boolean,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (part: Buffer) => {
      received = Buffer.concat([received, part]);
      if (done(received)) finish(null);
    };
    const onClose = () => finish(new Error(`closed after ${received.length} bytes: ${received}`));
    const finish = (err: Error | null) => {
      socket.off('data', onData).off('close', onClose);
      if (err) reject(err);
      else resolve(received);
    };
    socket.on('data', onData).on('close', onClose);
  });
}

/**
 * Abort a connection: a reset (RST) over TCP. A local socket has no RST: it is closed at once,
 * unread bytes and all, which a Linux peer sees as ECONNRESET (resetAndDestroy throws there).
 */
export function abort(socket: net.Socket): void {
  if (socket.remotePort === undefined) socket.destroy();
  else socket.resetAndDestroy();
}

/** Send one datagram from a fresh socket and, if `expectReply`, return the first reply. */
export async function datagram(to: Address, payload: Buffer | string, expectReply = false) {
  if (typeof to === 'string') throw new Error(`UDP goes to a port here, not to ${to}`);
  const port = to;
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => {});
  try {
    const reply = expectReply ? once(socket, 'message') : null;
    await new Promise<void>((resolve, reject) =>
      socket.send(payload, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
    return reply ? ((await reply)[0] as Buffer) : null;
  } finally {
    socket.close();
  }
}

/** A small seeded random generator (mulberry32), so a failing case can be replayed. */
export function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    bytes: (size: number) =>
      Buffer.from(Array.from({ length: size }, () => Math.floor(next() * 256))),
  };
}
export type Random = ReturnType<typeof seeded>;

/**
 * The memory a process has allocated for itself and keeps resident, in bytes, where the OS shows
 * it (Linux); null elsewhere. Anonymous memory only: the pages of Node's own binary that are read
 * in the first time some code runs (6 MiB on Node 24) are not something the process holds.
 */
export async function rss(pid: number | undefined): Promise<number | null> {
  try {
    const { readFile } = await import('node:fs/promises');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = (status.match(/^RssAnon:\s+(\d+) kB$/m) ??
      status.match(/^VmRSS:\s+(\d+) kB$/m))?.[1];
    return kib ? Number(kib) * 1024 : null;
  } catch {
    return null;
  }
}
