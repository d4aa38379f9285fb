// A lesson's demo: its server, then one or more client runs with canned stdin.
// The tour prints it live; `npm run transcripts` writes it into the lesson's README; the tests
// check that every README still matches what the programs print.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  freshLocalPath,
  type Proc,
  type Runtime,
  root,
  type SpawnOptions,
  spawnLesson,
  startLocalServer,
  startServer,
} from './proc.ts';
import { type Relay, tcpRelay, udpRelay, type WireEvent } from './wire.ts';

export interface Run {
  /** The client file, relative to the lesson folder. */
  file: string;
  args?: string[];
  /** Lines fed to stdin (then stdin is closed). */
  stdin?: string[];
  /** The server line that ends this run, e.g. /disconnected$/; the run waits for it. */
  serverDone?: RegExp;
  /** A program that needs no server (e.g. a self-contained demo): it gets no --port. */
  alone?: boolean;
  /**
   * Keep this client open in a terminal of its own (stdin open) while the later runs go on,
   * e.g. a chat client. At the end of the demo its stdin is closed (Ctrl+D), the demo waits for
   * the server line `closeDone`, and then shows what the client printed meanwhile.
   */
  background?: boolean;
  closeDone?: RegExp;
}

/** Lines typed into the server's own terminal (its stdin), then wait for `serverDone`. */
export interface Typing {
  serverStdin: string[];
  serverDone: RegExp;
}

export interface Demo {
  /** The lesson folder name, e.g. 03-tcp-hello. */
  lesson: string;
  /** The article's port, which the transcript shows in place of the real one (0: none). */
  port: number;
  /**
   * Why the wire view's relay cannot stand between this demo's clients and its server, if it
   * cannot (lesson 10: a datagram to a multicast group goes to the group's address, and a relay
   * that has not joined the group never sees it). The demo then runs without one: no diagram.
   */
  noRelay?: string;
  /**
   * Why the byte counts on the wire differ from one Node to another, if they do (lesson 13: the
   * TLS handshake's messages are the TLS library's, which each Node release brings). The tests
   * then compare the diagram's directions and ends (FIN, RST), not its sizes.
   */
  sizesVary?: string;
  /**
   * A local-socket server (lesson 11): the path the transcript shows in place of the real one.
   * The server runs at a fresh path of its own (--path), and the clients are told it.
   */
  path?: string;
  server?: { file: string; args?: string[] };
  runs: (Run | Typing)[];
  /**
   * Files the demo needs (e.g. files to download). When given, the server and the clients run in
   * a fresh temporary folder, passed to `setup` to fill, and removed at the end.
   */
  setup?: (dir: string) => void;
}

/** One stretch of output, in the order a reader meets it. */
export interface Block {
  who: 'server' | 'client';
  command?: string;
  lines: string[];
  /** A client's terminal number (2 unless background clients hold terminals 2, 3 ...). */
  terminal?: number;
  /** The lines were typed into this terminal, not printed by the program. */
  typed?: boolean;
  /** A program that needs no server (Run.alone). */
  alone?: boolean;
}

export async function loadDemos(): Promise<Demo[]> {
  const dir = path.join(root, 'scripts', 'demos');
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.ts'))
    .sort();
  const demos: Demo[] = [];
  for (const name of files) {
    const module = await import(pathToFileURL(path.join(dir, name)).href);
    demos.push(module.demo as Demo);
  }
  return demos;
}

function command(lesson: string, file: string, args: string[] = [], stdin?: string[]) {
  const run = ['node', `lessons/${lesson}/${file}`, ...args].join(' ');
  if (!stdin?.length) return run;
  const typed = stdin.map((line) => line.replace(/'/g, "'\\''")).join('\\n');
  return `printf '${typed}\\n' | ${run}`;
}

/** Sees every command and line live, as the demo runs. */
export interface Watcher {
  command(who: Block['who'], command: string): void;
  line(who: Block['who'], line: string): void;
  /** With `wire`: each chunk and connection event as it crosses the relay. */
  wire?(event: WireEvent, protocol: 'tcp' | 'udp'): void;
}

export interface DemoOptions {
  /** Where each file of the lesson is: its own folder, unless told (standalone copies). */
  locate?: (file: string) => string;
  /** Put a recording relay (scripts/lib/wire.ts) between the clients and the server. */
  wire?: boolean;
}

/** Which runtime runs the server and which the clients (both tsx unless told). */
export interface Pairing {
  server: Runtime;
  client: Runtime;
}

/** Run the demo; the blocks come back in reading order. */
export async function runDemo(
  demo: Demo,
  watch?: Watcher,
  pairing: Pairing = { server: 'tsx', client: 'tsx' },
  extra: DemoOptions = {},
): Promise<{ blocks: Block[]; port: number[]; relay?: Relay }> {
  const locate = extra.locate ?? ((file: string) => `lessons/${demo.lesson}/${file}`);
  let relay: Relay | undefined;
  const blocks: Block[] = [];
  const serverBlock = (command?: string): Block => ({ who: 'server', command, lines: [] });
  let current = serverBlock();
  const scratch = demo.setup && mkdtempSync(path.join(tmpdir(), 'socket-lessons-demo-'));
  if (scratch) demo.setup?.(scratch);
  const options = (who: Block['who']): SpawnOptions => ({
    cwd: scratch,
    runtime: pairing[who],
    onLine: (_stream, line) => watch?.line(who, line),
  });

  let server: Proc | undefined;
  let port = demo.port;
  // A local-socket demo: the server's path and the relay's, each in a private folder of its own.
  const local = demo.path ? [freshLocalPath(), freshLocalPath('relay.sock')] : [];
  let serverShown = 0; // server lines already placed in a block
  const takeServerLines = () => {
    const lines = server?.out.slice(serverShown) ?? [];
    serverShown += lines.length;
    return lines;
  };
  if (demo.server) {
    const shown = command(demo.lesson, demo.server.file, demo.server.args);
    const at = local.length > 0 ? ['--path', local[0].path] : ['--port', '0'];
    watch?.command(
      'server',
      command(demo.lesson, demo.server.file, [...at, ...(demo.server.args ?? [])]),
    );
    if (local.length > 0) {
      const file = locate(demo.server.file);
      server = await startLocalServer(file, local[0].path, demo.server.args, options('server'));
      if (extra.wire) {
        const onEvent = (event: WireEvent) => watch?.wire?.(event, 'tcp');
        const [to, listen] = local.map((each) => ({ path: each.path }));
        relay = await tcpRelay({ to, listen, onEvent });
      }
    } else {
      const tcp = await startServer(locate(demo.server.file), demo.server.args, options('server'));
      server = tcp;
      port = tcp.port;
    }
    if (extra.wire && local.length === 0 && !demo.noRelay) {
      // UDP when the server uses node:dgram; the clients are sent to the relay's port.
      const source = readFileSync(path.resolve(root, locate(demo.server.file)), 'utf8');
      const udp = source.includes("from 'node:dgram'");
      const protocol = udp ? 'udp' : 'tcp';
      const to = { host: '127.0.0.1', port };
      const onEvent = (event: WireEvent) => watch?.wire?.(event, protocol);
      relay = await (udp ? udpRelay : tcpRelay)({ to, onEvent });
    }
    current = serverBlock(shown);
    current.lines.push(...takeServerLines());
    blocks.push(current);
  }
  const background: { run: Run; client: ReturnType<typeof spawnLesson>; terminal: number }[] = [];
  const showServer = () => {
    current = serverBlock();
    current.lines.push(...takeServerLines());
    blocks.push(current);
  };
  try {
    for (const run of demo.runs) {
      if ('serverStdin' in run) {
        const from = server?.out.length ?? 0;
        for (const line of run.serverStdin) watch?.line('server', `> ${line}`);
        blocks.push({ who: 'server', lines: run.serverStdin, typed: true });
        server?.child.stdin?.write(run.serverStdin.map((line) => `${line}\n`).join(''));
        await server?.waitFor(run.serverDone, from);
        showServer();
        continue;
      }
      const shown = command(demo.lesson, run.file, run.args, run.stdin);
      const terminal = 2 + background.length;
      const from = server?.out.length ?? 0;
      const to = relay?.port ?? port;
      const where = local.length
        ? ['--path', relay?.path ?? local[0].path]
        : ['--port', String(to)];
      const args = server && !run.alone ? [...where, ...(run.args ?? [])] : run.args;
      watch?.command('client', command(demo.lesson, run.file, args, run.stdin));
      const client = spawnLesson(locate(run.file), args, {
        stdin: run.background ? undefined : (run.stdin ?? []),
        ...options('client'),
      });
      if (run.background) {
        background.push({ run, client, terminal });
        blocks.push({ who: 'client', command: shown, lines: [], terminal });
      } else {
        const exit = await client.exited;
        const lines = [...client.out, ...client.err];
        blocks.push({ who: 'client', command: shown, lines, terminal, alone: run.alone });
        if (exit.code !== 0) lines.push(`(exit code ${exit.code})`);
      }
      if (server && run.serverDone) await server.waitFor(run.serverDone, from);
      if (server) showServer();
    }
    for (const { run, client, terminal } of background) {
      const from = server?.out.length ?? 0;
      client.child.stdin?.end();
      const exit = await client.exited;
      const lines = [...client.out, ...client.err];
      if (exit.code !== 0) lines.push(`(exit code ${exit.code})`);
      blocks.push({ who: 'client', lines, terminal });
      if (server && run.closeDone) await server.waitFor(run.closeDone, from);
      if (server) showServer();
    }
  } finally {
    for (const { client } of background) await client.stop('SIGKILL');
    if (server) {
      watch?.line('server', '^C');
      await server.stop('SIGINT');
      current.lines.push('^C', ...takeServerLines(), ...server.err);
    }
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    await relay?.close();
    for (const each of local) each.cleanup();
  }
  // The real paths, as the transcript shows them: the demo's `path`.
  for (const block of blocks) {
    for (const each of local) {
      block.lines = block.lines.map((line) => line.replaceAll(each.path, demo.path ?? ''));
    }
  }
  const ports = relay ? [port, relay.port] : [port];
  return { blocks: blocks.filter((b) => b.command || b.lines.length), port: ports, relay };
}

/**
 * Replace what changes from run to run: the server's real port becomes the article's port, and
 * each client's ephemeral port becomes 50001, 50002 ... in order of first appearance. An HTTP
 * `Date:` header shows one fixed time.
 */
export function normalise(
  text: string,
  realPort: number | number[],
  articlePort: number,
  aliases = new Map<number, number>(),
  /** Pass the same map to number the ports of several texts as one. */
  ephemeral = new Map<string, number>(),
): string {
  const serverPorts = [realPort, articlePort].flat();
  const address = /((?:\d{1,3}\.){3}\d{1,3}|\[[0-9a-fA-F:.]+\]):(\d{1,5})\b/g;
  const date = /^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT(?=\r?$)/gm;
  text = text.replace(date, 'Date: Sun, 22 Nov 2026 08:00:00 GMT');
  return text.replace(address, (_all, host: string, seen: string) => {
    const port = String(aliases.get(Number(seen)) ?? seen); // the relay's port: the client's
    if (serverPorts.includes(Number(port))) return `${host}:${articlePort}`;
    if (!ephemeral.has(port)) ephemeral.set(port, 50001 + ephemeral.size);
    return `${host}:${ephemeral.get(port)}`;
  });
}

/** The transcript as a README shows it: each terminal's command and output, in order. */
export function render(
  demo: Demo,
  blocks: Block[],
  realPort: number | number[],
  aliases?: Map<number, number>,
  ephemeral?: Map<string, number>,
): string {
  const parts: string[] = [];
  let serverStarted = false;
  for (const block of blocks) {
    const terminal = block.terminal ?? 2;
    if (block.typed) {
      parts.push('# terminal 1: you type into the server');
    } else if (block.who === 'server') {
      if (block.lines.length === 0) continue;
      parts.push(serverStarted ? '# terminal 1 (server) now shows' : '# terminal 1: the server');
      serverStarted = true;
    } else if (!block.command) {
      parts.push(`# terminal ${terminal} (client) meanwhile showed; then Ctrl+D ended it`);
    } else if (demo.server && block.alone) {
      parts.push(`# terminal ${terminal}: a program of its own (it needs no server)`);
    } else {
      parts.push(demo.server ? `# terminal ${terminal}: a client` : '# the program');
    }
    if (block.command) parts.push(`$ ${block.command}`);
    parts.push(...block.lines, '');
  }
  return normalise(parts.join('\n').trimEnd(), realPort, demo.port, aliases, ephemeral);
}

export const BEGIN = '<!-- transcript: made by `npm run transcripts`; do not edit by hand -->';
export const END = '<!-- end of transcript -->';

/** The transcript inside a README (with LF line ends, even from a CRLF file), or undefined. */
export function transcriptIn(readme: string): string | undefined {
  return readme
    .replaceAll('\r\n', '\n')
    .split(BEGIN)[1]
    ?.split(END)[0]
    ?.match(/^\n```text\n([\s\S]*?)\n```\n$/)?.[1];
}

/** The README with its transcript replaced; null if it has no markers. */
export function withTranscript(readme: string, transcript: string): string | null {
  const start = readme.indexOf(BEGIN);
  const stop = readme.indexOf(END);
  if (start < 0 || stop < start) return null;
  const block = `${BEGIN}\n\`\`\`text\n${transcript}\n\`\`\`\n`;
  const updated = readme.slice(0, start) + block + readme.slice(stop);
  // A README checked out with CRLF keeps CRLF throughout, rather than mixed line ends.
  return readme.includes('\r\n') ? updated.replace(/\r?\n/g, '\r\n') : updated;
}
