/**
 * @title Remote shell server (SSH 的实现: 服务器)
 * @article 001 "五、SSH的实现"
 * @run node lessons/06-remote-shell/server.ts [--port 8000] [--timeout 10] [--allow-remote]
 * @run npx tsx lessons/06-remote-shell/server.ts [--port 8000] [--timeout 10] [--allow-remote]
 * @run deno run --allow-net --allow-run --allow-env lessons/06-remote-shell/server.ts [--port 8000] [--timeout 10] [--allow-remote]
 * @run bun lessons/06-remote-shell/server.ts [--port 8000] [--timeout 10] [--allow-remote]
 *
 * Runs each command a client sends and answers in two parts: the output's length, then, after the
 * client's ack, the output. This is remote code execution, so it listens on this machine only.
 */
import net from 'node:net';
import { fail, hostPort, onShutdown, parseCli, seconds, usageError } from '../../shared/helpers.ts';
import { readUntilPause } from './pause.ts';
import { codePage, runCommand } from './shell.ts';

const usage =
  'server.ts [--host 127.0.0.1] [--port 8000] [--timeout 10] [--encoding gbk] [--allow-remote]';
const args = parseCli(usage, 8000, {
  timeout: { type: 'string', default: '10' },
  // What the commands print in: found by itself (UTF-8, or the Windows console's code page).
  encoding: { type: 'string' },
  'allow-remote': { type: 'boolean', default: false },
});
const timeout = seconds(args.timeout, usage);
const maxOutput = 16 * 1024 * 1024; // the output is held in memory: its length goes first
const encoding = knownEncoding(args.encoding ?? codePage());
// Pitfall: whoever reaches this port runs commands as you. This machine only, unless asked.
checkHost(args.host, args['allow-remote']);
const running = new Set<(why: string) => void>(); // commands under way, to stop on Ctrl+C
const sending = new Map<net.Socket, string>(); // answers under way, from the length to the end

// 1. Create the socket, bind and listen (socket(), bind(('localhost', 8000)), listen()).
const server = net.createServer().on('error', (err) => fail(err, args.host, args.port));
server.listen({ host: args.host, port: args.port }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`); // e.g. listening on 127.0.0.1:8000
});

/** The ack the article's client sends. */
const ACK = '准备接受';
/** The longest command we read (readUntilPause stops there). */
const MAX_COMMAND = 4096;

// 2. Accept (accept): each client gets its own loop, so many are served at once.
server.on('connection', async (conn) => {
  const peer = hostPort(conn.remoteAddress, conn.remotePort);
  console.log(`${peer} connected`);
  conn.on('error', (err) => console.log(`${peer} error: ${err.message}`));
  conn.on('close', () => console.log(`${peer} disconnected`));
  // The next message from this client. On a reset readUntilPause rejects, and the 'error'
  // handler has said so: that counts as the end (null).
  const next = () => readUntilPause(conn, 50, MAX_COMMAND).catch(() => null);
  while (true) {
    // 3. Wait for a command (recv(1024)): all that comes before a pause, not one read.
    //    null at the end of the stream (if not data: break).
    const request = await next();
    if (request === null) break;
    // Pitfall: a message read "until a pause" can be cut: at the size limit, or where a slow
    //    sender paused. A cut command must not run, and a wrong ack means the two sides are out
    //    of step: say so and close, rather than carry on with the wrong bytes.
    if (request.length >= MAX_COMMAND) {
      console.log(`${peer} sent a command of ${MAX_COMMAND} bytes or more; not run, closing`);
      break;
    }
    console.log(`${peer} runs: ${request.toString('utf8')}`);
    // 4. Run it (os.popen(cmd).read()): shell.ts, bounded by --timeout and maxOutput.
    const command = runCommand(request.toString('utf8'), timeout, maxOutput, encoding);
    running.add(command.kill);
    let output = await command.output.catch((err) => Buffer.from(`${err}`));
    running.delete(command.kill);
    // 5. No output becomes 'cmd has no output...': the client waits for a length, never 0.
    if (output.length === 0) output = Buffer.from('cmd has no output...');
    // 6. Send the length in bytes as decimal text (send(str(len(cmd_res.encode())))).
    sending.set(conn, peer);
    conn.write(String(output.length));
    // 7. Wait for the ack (recv(1024)); it keeps the length and the output apart: see sticky.ts.
    const ack = await next();
    if (ack?.toString('utf8') !== ACK) {
      if (ack) console.log(`${peer} sent ${ack.length} bytes, not the ack; out of step, closing`);
      break;
    }
    // 8. Send the output (send): write() sends all of it, however many reads it takes. Wait
    //    until the OS has it all before reading the next command: a client that asks and never
    //    reads cannot make us hold one answer after another (backpressure).
    await new Promise((done) => conn.write(output, done));
    sending.delete(conn); // the answer is whole
    console.log(`${peer} sent ${output.length} bytes`);
  }
  sending.delete(conn); // done with this client, whatever the state of its answer
  conn.end();
});

// 9. Close (server.close()) on Ctrl+C or SIGTERM, and stop any command still running. An answer
//    still under way is reset (RST), not ended with a FIN, so it cannot pass for a whole one.
onShutdown(() => {
  for (const kill of running) kill('server closed');
  server.close();
  for (const [conn, peer] of sending) {
    console.log(`${peer} reset: the server stopped before the answer was all sent`);
    conn.resetAndDestroy();
  }
});

/** A host other than this machine needs --allow-remote, and gets a warning even then. */
function checkHost(host: string, allowRemote: boolean) {
  const remote = !/^(127\.|::1$|localhost$)/.test(host);
  if (remote && !allowRemote) usageError(`--host ${host} needs --allow-remote`, usage);
  if (remote)
    console.error('warning: remote code execution: anyone who can reach it runs commands');
}

/** The encoding's name, if TextDecoder knows it; else the usage line, and exit 2. */
function knownEncoding(name: string): string {
  try {
    new TextDecoder(name);
  } catch {
    usageError(`unknown encoding '${name}' (try utf-8 or gbk)`, usage);
  }
  return name;
}
