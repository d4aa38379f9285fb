// Every server in the collection, with what a normal client does with it (the probe). The
// robustness tests and the fuzzer throw bad input at each one, then check that the probe still
// gets the right answer. A new lesson's server joins by adding an entry here.
import assert from 'node:assert/strict';
import type net from 'node:net';
import { connect, datagram, readAll, readUntil, within } from './peer.ts';
import type { Proc } from './proc.ts';

export interface Target {
  lesson: string;
  /** The server file, relative to the repo root. */
  file: string;
  transport: 'tcp' | 'udp';
  /** Extra server arguments, and anything to prepare first (a folder to serve, say). */
  setup?: () => Promise<{ args: string[]; cleanup: () => void }>;
  /** A normal client's exchange; throws if the answer is wrong. */
  probe: (port: number, server: Proc, id: number) => Promise<void>;
  /** A request that is valid for this protocol (sent before a reset or a half-close). */
  request: Buffer;
  /** Start an exchange whose answer is large, on a socket that will never read it; returns
   *  how many bytes it queued to send. */
  bigReply?: (socket: net.Socket) => number;
}

const PATIENCE = 5000;

export const targets: Target[] = [
  {
    lesson: '01-udp-send',
    file: 'lessons/01-udp-send/server.ts',
    transport: 'udp',
    request: Buffer.from('hahaha'),
    async probe(port, server, id) {
      const from = server.out.length;
      await datagram(port, `probe ${id} 你好`);
      await server.waitFor(new RegExp(`sent: probe ${id} 你好$`), from);
    },
  },
  {
    lesson: '02-udp-echo',
    file: 'lessons/02-udp-echo/server.ts',
    transport: 'udp',
    request: Buffer.from('nice to meet you too'),
    async probe(port) {
      const reply = await within(
        PATIENCE,
        '02 probe',
        datagram(port, 'nice to meet you too', true),
      );
      assert.equal(reply?.toString(), 'nice to meet you');
    },
  },
  {
    lesson: '03-tcp-hello',
    file: 'lessons/03-tcp-hello/server.ts',
    transport: 'tcp',
    request: Buffer.from('Hello'),
    async probe(port, server, id) {
      const socket = await connect(port);
      const everything = readAll(socket);
      socket.end(`Hello ${id}`);
      assert.equal((await within(PATIENCE, '03 probe', everything)).toString(), '你好');
      await server.waitFor(new RegExp(`sent: Hello ${id}$`));
    },
  },
  {
    lesson: '04-tcp-echo',
    file: 'lessons/04-tcp-echo/server.ts',
    transport: 'tcp',
    request: Buffer.from('hello'),
    async probe(port, _server, id) {
      const socket = await connect(port);
      const message = Buffer.from(`probe ${id} 你好`);
      const reply = readUntil(socket, (got) => got.length >= message.length);
      socket.write(message);
      assert.equal((await within(PATIENCE, '04 probe', reply)).toString(), `PROBE ${id} 你好`);
      socket.end();
    },
    bigReply(socket) {
      // Everything sent comes back: send a lot and never read the echo.
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      for (let i = 0; i < 64; i++) socket.write(chunk);
      return 64 * chunk.length;
    },
  },
];
