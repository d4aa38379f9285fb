// Lesson 11's benchmark: is a local socket faster than TCP over loopback (article 002: AF_UNIX
// "速度较快", the data skips the network stack)? The same client and server code runs twice, and
// only the address differs: 127.0.0.1 port 0, or a path in a private folder.
//   node --import tsx scripts/bench/11-unix-vs-tcp.ts [--quick] [--json FILE]
// Each run starts the server in a process of its own (fork), then measures:
//   round trips: a 16-byte message, wait for its echo, again, for a fixed time (bounded count);
//   bulk: a fixed number of bytes to a server that counts them, in 1 MiB writes, backpressure
//   respected; the clock stops when the server says it has them all.
// Medians of three runs, TCP and the local socket in turn.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

// The server side: `serve ADDRESS` (a port number or a path). First byte 'e': echo every byte;
// 's': count the bytes until the client's end, then send the count as text and close.
if (process.argv[2] === 'serve') {
  const where = process.argv[3];
  const server = net.createServer((socket) => {
    socket.once('data', (first: Buffer) => {
      if (first[0] === 0x65) {
        socket.pipe(socket);
        if (first.length > 1) socket.write(first.subarray(1));
        return;
      }
      let count = first.length - 1;
      socket.on('data', (chunk: Buffer) => {
        count += chunk.length;
      });
      socket.on('end', () => socket.end(String(count)));
    });
    socket.on('error', () => {});
  });
  const open = new Set<net.Socket>(); // close() waits for them: end them first
  server.on('connection', (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  const address = /^\d+$/.test(where)
    ? { host: '127.0.0.1', port: Number(where) }
    : { path: where };
  server.listen(address, () => {
    const got = server.address();
    process.send?.(typeof got === 'string' ? got : got?.port);
  });
  // close() removes a local socket's file; exit() alone would leave it (see lesson 11).
  process.on('disconnect', () => {
    for (const socket of open) socket.destroy();
    server.close(() => process.exit(0));
  });
} else {
  await main();
}

async function main() {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, json: { type: 'string' } },
  });
  const seconds = values.quick ? 1 : 3;
  const bulkBytes = (values.quick ? 64 : 512) * 1024 * 1024;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socket-lessons-bench-'));
  const transports = { tcp: '0', unix: path.join(dir, 'bench.sock') };
  const runs: Record<string, { roundTrips: number[]; bulk: number[] }> = {};
  try {
    for (let round = 0; round < 3; round++) {
      for (const [name, where] of Object.entries(transports)) {
        runs[name] ??= { roundTrips: [], bulk: [] };
        const child = fork(import.meta.filename, ['serve', where], { execArgv: process.execArgv });
        const [address] = (await once(child, 'message')) as [number | string];
        const to =
          typeof address === 'number' ? { host: '127.0.0.1', port: address } : { path: address };
        runs[name].roundTrips.push(await roundTrips(to, seconds * 1000));
        runs[name].bulk.push(await bulk(to, bulkBytes));
        child.disconnect();
        await once(child, 'exit');
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[1];
  const result = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus().length} cores (${os.cpus()[0]?.model}), ${os.type()} ${os.release()}`,
    node: process.version,
    roundTripsPerSecond: { tcp: median(runs.tcp.roundTrips), unix: median(runs.unix.roundTrips) },
    bulkMBps: { tcp: median(runs.tcp.bulk), unix: median(runs.unix.bulk) },
    runs,
  };
  const ratio = (pair: { tcp: number; unix: number }) => (pair.unix / pair.tcp).toFixed(2);
  const rt = result.roundTripsPerSecond;
  const mb = result.bulkMBps;
  console.log(`${result.machine}, Node ${result.node}, medians of 3`);
  console.log(`round trips/s (16 B, 1 client): TCP ${rt.tcp}, local ${rt.unix}: ${ratio(rt)}x`);
  console.log(
    `bulk MB/s (${bulkBytes / 2 ** 20} MiB): TCP ${mb.tcp}, local ${mb.unix}: ${ratio(mb)}x`,
  );
  if (values.json) writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
}

/** Echo round trips of 16 bytes, one at a time, for `ms` (at most 2 million). */
async function roundTrips(to: net.NetConnectOpts, ms: number): Promise<number> {
  const socket = net.connect(to);
  await once(socket, 'connect');
  socket.write('e');
  const message = Buffer.alloc(16, 'x');
  let count = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let waiting = message.length;
    socket.on('data', (chunk: Buffer) => {
      waiting -= chunk.length;
      if (waiting > 0) return;
      count++;
      if (performance.now() - start >= ms || count >= 2_000_000) return resolve();
      waiting = message.length;
      socket.write(message);
    });
    socket.write(message);
  });
  const rate = Math.round(count / ((performance.now() - start) / 1000));
  socket.destroy();
  return rate;
}

/** `total` bytes to the counting server; MB/s (10^6 bytes) until it has them all. */
async function bulk(to: net.NetConnectOpts, total: number): Promise<number> {
  const socket = net.connect(to);
  await once(socket, 'connect');
  const chunk = Buffer.alloc(1024 * 1024, 'y');
  const answer = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (part: Buffer) => {
      text += part;
    });
    socket.on('end', () => resolve(text));
  });
  const start = performance.now();
  socket.write('s');
  for (let sent = 0; sent < total; sent += chunk.length) {
    if (!socket.write(chunk)) await once(socket, 'drain');
  }
  socket.end();
  const counted = Number(await answer);
  if (counted !== total) throw new Error(`the server counted ${counted} of ${total} bytes`);
  return Math.round(total / 1e6 / ((performance.now() - start) / 1000));
}
