// npm run bench [-- --quick] [--json FILE] [echo udp ...]
// Each scenario starts the real lesson processes, runs a bounded load against them, and compares
// the lesson with a baseline measured in the same run: on a shared machine absolute figures drift,
// ratios much less. Prints a table; --json also writes the figures to FILE.
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { chalk } from 'zx';
import { spawnLesson } from './lib/proc.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { quick: { type: 'boolean', default: false }, json: { type: 'string' } },
});
const quick = values.quick;

export interface Row {
  scenario: string;
  lesson: string;
  baseline: string;
  ratio: number | null;
  goal: string;
  met: boolean;
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Start a server on port 0 with its stdout counted, not kept; returns its port. */
async function serve(file: string, args: string[] = [], onLine?: (line: string) => void) {
  const server = spawnLesson(file, ['--port', '0', ...args], {
    keepLines: 10,
    onLine: (_stream, line) => onLine?.(line),
  });
  const port = Number((await server.waitFor(/^(?:listening on|bound to) .+:(\d+)$/))[1]);
  return { server, port };
}

/** Round trips per second, one client, 16-byte messages, one in flight at a time. */
function roundTrips(port: number, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const message = Buffer.from('0123456789abcdef');
    let trips = 0;
    let pending = 0;
    let end = 0;
    socket.on('error', reject);
    socket.on('connect', () => {
      end = Date.now() + ms;
      socket.write(message);
    });
    socket.on('data', (chunk: Buffer) => {
      for (pending += chunk.length; pending >= message.length; pending -= message.length) {
        trips++;
        if (Date.now() >= end) {
          socket.destroy();
          return resolve((trips * 1000) / ms);
        }
        socket.write(message);
      }
    });
  });
}

async function echo(): Promise<Row[]> {
  const ms = quick ? 2000 : 5000;
  const rounds = quick ? 1 : 3;
  const lesson: number[] = [];
  const baseline: number[] = [];
  // Alternate the two, so drift on a shared machine hits both alike.
  for (let round = 0; round < rounds; round++) {
    for (const [file, into] of [
      ['scripts/bench/echo-baseline.ts', baseline],
      ['lessons/04-tcp-echo/server.ts', lesson],
    ] as const) {
      const { server, port } = await serve(file);
      into.push(await roundTrips(port, ms));
      await server.stop();
    }
  }
  const ratio = median(lesson) / median(baseline);
  return [
    {
      scenario: 'echo 04: round trips/s, one client, 16 B',
      lesson: `${Math.round(median(lesson))}/s`,
      baseline: `${Math.round(median(baseline))}/s (minimal Node echo)`,
      ratio,
      goal: '≥ 1.0×',
      met: ratio >= 1.0,
    },
  ];
}

/**
 * Offer `rate` datagrams a second for `ms`, paced in 10 ms slices, and count what arrives.
 * `received()` reads the count; it is sampled until it stops growing.
 */
async function flood(
  port: number,
  rate: number,
  ms: number,
  socket: dgram.Socket,
  received: () => number,
) {
  let sent = 0;
  const started = Date.now();
  while (Date.now() - started < ms) {
    const due = Math.round(((Date.now() - started) / 1000) * rate);
    for (; sent < due; sent++) socket.send(`datagram ${sent}`, port, '127.0.0.1');
    await pause(10);
  }
  for (let last = -1; received() !== last; await pause(200)) last = received();
  const count = received();
  return { sent, count, perSecond: (count * 1000) / ms, loss: 1 - count / sent };
}

async function udp(): Promise<Row[]> {
  const ms = quick ? 1000 : 3000;
  const rate = 5000;
  const rows: Row[] = [];
  for (const lesson of ['01-udp-send', '02-udp-echo']) {
    let count = 0;
    const isEcho = lesson === '02-udp-echo';
    const { server, port } = await serve(`lessons/${lesson}/server.ts`, [], (line) => {
      if (!isEcho && line.includes(' sent: datagram ')) count++;
    });
    const socket = dgram.createSocket('udp4');
    socket.on('message', () => count++); // 02 answers each datagram
    const result = await flood(port, rate, ms, socket, () => count);
    socket.close();
    await server.stop();
    rows.push({
      scenario: `UDP ${lesson.slice(0, 2)}: ${rate}/s offered for ${ms / 1000} s`,
      lesson: `${Math.round(result.perSecond)}/s ${isEcho ? 'answered' : 'received'}, loss ${(result.loss * 100).toFixed(2)}%`,
      baseline: '—',
      ratio: null,
      goal: 'loss ≤ 2%',
      met: result.loss <= 0.02,
    });
  }
  return rows;
}

const scenarios: Record<string, () => Promise<Row[]>> = { echo, udp };

const chosen = positionals.length ? positionals : Object.keys(scenarios);
const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`;
console.log(
  `${quick ? 'quick ' : ''}benchmarks on ${machine}, ${new Date().toISOString().slice(0, 10)}\n`,
);
const rows: Row[] = [];
for (const name of chosen) {
  const scenario = scenarios[name];
  if (!scenario) {
    console.error(`unknown scenario '${name}'; choose from ${Object.keys(scenarios).join(', ')}`);
    process.exit(2);
  }
  for (const row of await scenario()) {
    rows.push(row);
    const ratio = row.ratio === null ? '' : `${row.ratio.toFixed(2)}×`;
    const verdict = row.met ? chalk.green('met') : chalk.red('MISSED');
    console.log(
      `${row.scenario}\n  lesson ${row.lesson} | baseline ${row.baseline} | ${ratio} goal ${row.goal}: ${verdict}`,
    );
  }
}
if (values.json) {
  writeFileSync(
    values.json,
    `${JSON.stringify({ machine, date: new Date().toISOString(), quick, rows }, null, 2)}\n`,
  );
  console.log(`\nwrote ${values.json}`);
}
const missed = rows.filter((row) => !row.met).length;
console.log(`\nbench: ${rows.length - missed} goals met, ${missed} missed`);
