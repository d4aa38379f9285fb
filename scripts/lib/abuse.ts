// Bad input, faults and load for a server. Each case does one bad thing and returns; the caller
// then checks that the server is still running and still answers its probe.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  type Address,
  abort,
  connect,
  datagram,
  PATIENCE,
  type Random,
  readAll,
  rss,
  within,
} from './peer.ts';
import { type Proc, type SpawnOptions, startLocalServer, startServer } from './proc.ts';
import type { Prepared, Target } from './targets.ts';

export interface Case {
  name: string;
  transport: 'tcp' | 'udp';
  /** `port`: where the server is, a port or (lesson 11) a local socket's path. */
  run: (target: Target, port: Address, server: Proc, random: Random) => Promise<void>;
  /** The case watches the server's memory: give it a server started with `watched()`. */
  watchesMemory?: boolean;
}

/** How much a server's memory may grow while a client refuses to read its large answer. */
export const MEMORY_BOUND = 32 * 1024 * 1024;
/**
 * How to start a server whose memory is watched, so that what grows is what the server holds.
 * - A 1 MiB semi-space. Garbage that no scavenge has collected yet counts in a process's memory
 *   too, up to the size of V8's young generation, which Node 24 and later let grow far beyond
 *   Node 20's: 08's server, which holds nothing for its slow client, grew by 33-56 MiB of it.
 * - No coverage collection (c8 sets NODE_V8_COVERAGE): on Node 24 and 26 it made the same server
 *   grow by 52-79 MiB.
 * Checked on Node 20 and 24: with their backpressure removed, 04, 08 and 09 pass the bound; as
 * they are, they stay under 14 MiB.
 */
export const WATCHED_NODE_ARGS = ['--max-semi-space-size=1'];
export function watched(): { nodeArgs: string[]; env: NodeJS.ProcessEnv } {
  // Empty, not absent: Node hands its own NODE_V8_COVERAGE to any child whose env lacks one.
  return { nodeArgs: WATCHED_NODE_ARGS, env: { ...process.env, NODE_V8_COVERAGE: '' } };
}

/** Send bytes on a fresh connection, close our side, and wait (bounded) for the server to close. */
async function sendAndClose(port: Address, bytes: Buffer, what: string) {
  const socket = await connect(port);
  const closed = readAll(socket);
  socket.end(bytes);
  await within(PATIENCE, `${what}: the server did not close`, closed);
}

export const cases: Case[] = [
  {
    name: 'random bytes',
    transport: 'tcp',
    run: (_target, port, _server, random) =>
      sendAndClose(port, random.bytes(1 + random.int(65536)), 'random bytes'),
  },
  {
    name: 'a mutated request, in random pieces, then a close or a reset',
    transport: 'tcp',
    async run(target, port, _server, random) {
      const request = Buffer.from(target.request);
      for (let flips = random.int(4); flips > 0; flips--)
        request[random.int(request.length)] = random.int(256);
      const socket = await connect(port);
      const closed = readAll(socket);
      for (let at = 0; at < request.length; ) {
        const piece = request.subarray(at, at + 1 + random.int(request.length));
        at += piece.length;
        await new Promise((resolve) => socket.write(piece, resolve)); // one write per piece
      }
      if (random.int(2) === 0) abort(socket);
      else socket.end();
      await within(PATIENCE, 'mutated request: the server did not close', closed);
    },
  },
  {
    name: 'an empty connection',
    transport: 'tcp',
    run: (_target, port) => sendAndClose(port, Buffer.alloc(0), 'empty connection'),
  },
  {
    name: 'a reset (RST) in the middle of an exchange',
    transport: 'tcp',
    async run(target, port) {
      const socket = await connect(port);
      socket.write(target.request);
      await new Promise((resolve) => setImmediate(resolve));
      abort(socket);
      await once(socket, 'close');
    },
  },
  {
    name: 'a half-close (we stop writing and keep reading)',
    transport: 'tcp',
    async run(target, port) {
      const socket = await connect(port);
      const closed = readAll(socket);
      socket.end(target.request);
      await within(PATIENCE, 'half-close: the server did not finish', closed);
    },
  },
  {
    name: 'a 1 MiB line with no newline',
    transport: 'tcp',
    run: (_target, port) => sendAndClose(port, Buffer.alloc(1024 * 1024, 'x'), '1 MiB line'),
  },
  {
    name: 'invalid UTF-8',
    transport: 'tcp',
    run: (_target, port) =>
      sendAndClose(
        port,
        Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe4, 0xbd, 0x0a, 0xed, 0xa0, 0x80]),
        'invalid UTF-8',
      ),
  },
  {
    name: 'a slow reader while the server writes a large answer (memory stays bounded)',
    transport: 'tcp',
    watchesMemory: true,
    async run(target, port, server) {
      if (!target.bigReply) return; // this server never writes a large answer
      const before = await rss(server.child.pid);
      if (before === null) return; // no way to see a process's memory here
      const socket = await connect(port);
      await target.bigReply(socket);
      socket.pause(); // never read: the server's writes must wait, not pile up in its memory
      // Watch the server's memory until it settles (half a second without growing by 1 MiB) or
      // passes the bound. The watch is bounded at 5 s.
      let grown = 0;
      for (let last = before, still = 0, polls = 0; still < 5 && polls < 50; polls++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const now = (await rss(server.child.pid)) ?? last;
        grown = now - before;
        if (grown > MEMORY_BOUND) break;
        still = Math.abs(now - last) < 2 ** 20 ? still + 1 : 0;
        last = now;
      }
      socket.destroy();
      assert.ok(grown < MEMORY_BOUND, `the server grew by ${(grown / 2 ** 20).toFixed(1)} MiB`);
    },
  },
  {
    name: '200 clients at once',
    transport: 'tcp',
    async run(target, port, server) {
      await Promise.all(
        Array.from({ length: 200 }, (_, id) => probeAt(target, port, server, 1000 + id)),
      );
    },
  },
  {
    name: 'random datagrams',
    transport: 'udp',
    async run(_target, port, _server, random) {
      for (let i = 0; i < 20; i++) await datagram(port, random.bytes(random.int(2048)));
    },
  },
  {
    name: 'an empty datagram',
    transport: 'udp',
    run: async (_target, port) => void (await datagram(port, Buffer.alloc(0))),
  },
  {
    name: 'an oversized (65,507-byte) datagram',
    transport: 'udp',
    run: async (_target, port) => void (await datagram(port, Buffer.alloc(65507, 'x'))),
  },
  {
    name: 'invalid UTF-8 in a datagram',
    transport: 'udp',
    run: async (_target, port) =>
      void (await datagram(port, Buffer.from([0xff, 0xfe, 0xc3, 0x28]))),
  },
  {
    name: '200 senders at once',
    transport: 'udp',
    async run(target, port, server) {
      await Promise.all(
        Array.from({ length: 200 }, (_, id) => probeAt(target, port, server, 1000 + id)),
      );
    },
  },
];

/** The cases for a target: a local-socket server (lesson 11) is a byte stream, as TCP is. */
export function casesFor(target: Target): Case[] {
  const transport = target.transport === 'udp' ? 'udp' : 'tcp';
  return cases.filter((each) => each.transport === transport);
}

/**
 * Start a target's server as `setup` prepared it; `to` is where a client reaches it: the port,
 * or for a local-socket server the path in `prepared.path`.
 */
export async function startTarget(
  target: Target,
  prepared: Prepared | undefined,
  opts: SpawnOptions = {},
): Promise<{ server: Proc; to: Address }> {
  const options = { cwd: prepared?.cwd, ...opts };
  if (target.transport === 'unix') {
    const at = prepared?.path;
    if (!at) throw new Error(`${target.lesson}: its setup() gives no path`);
    return { server: await startLocalServer(target.file, at, prepared?.args, options), to: at };
  }
  const server = await startServer(target.file, prepared?.args, options);
  return { server, to: server.port };
}

/** Run a target's probe against `to`: a port, or a 'unix' target's path (its probe takes one). */
export function probeAt(target: Target, to: Address, server: Proc, id: number): Promise<void> {
  return (target.probe as (to: Address, server: Proc, id: number) => Promise<void>)(to, server, id);
}
