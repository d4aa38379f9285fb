/**
 * @title Remote shell server over TLS (加密的远程 shell: 服务器)
 * @article 001 "五、SSH的实现"; 000 "tcp与udp的区别"
 * @run node lessons/13-tls/shell-server.ts [--port 8022] [--certs tls-certs] [--timeout 10] [--allow-remote]
 * @run npx tsx lessons/13-tls/shell-server.ts [--port 8022] [--certs tls-certs] [--timeout 10] [--allow-remote]
 * @run deno run --allow-net --allow-read --allow-run --allow-env lessons/13-tls/shell-server.ts [--port 8022] [--certs tls-certs] [--timeout 10] [--allow-remote]
 * @run bun lessons/13-tls/shell-server.ts [--port 8022] [--certs tls-certs] [--timeout 10] [--allow-remote]
 *
 * Lesson 06's server, word for word in its protocol (command, length, ack, output), over
 * node:tls: no one on the path reads the commands or their output. TLS proves the server to the
 * client, not the client to the server: whoever connects runs commands, so loopback only.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fail, hostPort, onShutdown, parseCli, seconds, usageError } from '../../shared/helpers.ts';
import { readUntilPause } from './pause.ts';
import { codePage, runCommand } from './shell.ts';

const usage =
  'shell-server.ts [--host 127.0.0.1] [--port 8022] [--certs tls-certs] [--timeout 10]' +
  ' [--allow-remote]';
const args = parseCli(usage, 8022, {
  certs: { type: 'string', default: 'tls-certs' },
  timeout: { type: 'string', default: '10' },
  'allow-remote': { type: 'boolean', default: false },
});
const timeout = seconds(args.timeout, usage);
const maxOutput = 16 * 1024 * 1024; // the output is held in memory: its length goes first
// Pitfall: TLS is not a login. Whoever reaches this port runs commands as you, encrypted or not.
checkHost(args.host, args['allow-remote']);
const running = new Set<(why: string) => void>(); // commands under way, to stop on Ctrl+C
const sending = new Map<tls.TLSSocket, string>(); // answers under way, from the length to the end

// 1. Load the key and the certificate (make-cert.ts), and create the socket: tls.createServer
//    where lesson 06 has net.createServer. A client gets 10 s for its handshake.
const key = readPem('key.pem');
const cert = readPem('cert.pem');
const server = tls.createServer({ key, cert, handshakeTimeout: 10_000 });
server.on('error', (err) => fail(err, args.host, args.port));

// 2. Bind and listen (bind(('localhost', 8000)), listen()), on this machine only.
server.listen({ host: args.host, port: args.port }, () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`); // e.g. listening on 127.0.0.1:8022
});

/** The ack the article's client sends. */
const ACK = '准备接受';
/** The longest command we read (readUntilPause stops there). */
const MAX_COMMAND = 4096;

// 3. A failed handshake is one line, and the server goes on. A client that does not trust our
//    certificate sends TLS's alert unknown_ca (curl, openssl, Deno) or just closes (Node, Bun:
//    a reset); plain TCP on this port is a code of its own (ERR_SSL_WRONG_VERSION_NUMBER ...).
const refusals =
  /^(ECONNRESET|ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE)$/;
server.on('tlsClientError', (err: NodeJS.ErrnoException) => {
  const why = refusals.test(err.code ?? '') ? 'the client refused our certificate, or left' : '';
  console.log(`a handshake failed: ${why || err.code || err.message}`);
});

// 4. Accept: 'secureConnection' comes once the handshake is done. From here on it is lesson
//    06's loop, on plain bytes; TLS encrypts them on the way out and decrypts them on the way in.
server.on('secureConnection', async (conn: tls.TLSSocket) => {
  const peer = hostPort(conn.remoteAddress, conn.remotePort);
  console.log(`${peer} connected over ${conn.getProtocol()}`);
  conn.on('error', (err) => console.log(`${peer} error: ${err.message}`));
  conn.on('close', () => console.log(`${peer} disconnected`));
  // One read is still not one message over TLS: a command is all that comes before a pause.
  const next = () => readUntilPause(conn, 50, MAX_COMMAND).catch(() => null);
  while (true) {
    // 5. Wait for a command (recv(1024)); null at the end of the stream.
    const request = await next();
    if (request === null) break;
    if (request.length >= MAX_COMMAND) {
      console.log(`${peer} sent a command of ${MAX_COMMAND} bytes or more; not run, closing`);
      break;
    }
    console.log(`${peer} runs: ${request.toString('utf8')}`);
    // 6. Run it (os.popen(cmd).read()): shell.ts, bounded by --timeout and maxOutput.
    const command = runCommand(request.toString('utf8'), timeout, maxOutput, codePage());
    running.add(command.kill);
    let output = await command.output.catch((err) => Buffer.from(`${err}`));
    running.delete(command.kill);
    if (output.length === 0) output = Buffer.from('cmd has no output...');
    // 7. Send the length as decimal text, wait for the ack, then send the output.
    sending.set(conn, peer);
    conn.write(String(output.length));
    const ack = await next();
    if (ack?.toString('utf8') !== ACK) {
      if (ack) console.log(`${peer} sent ${ack.length} bytes, not the ack; out of step, closing`);
      break;
    }
    // Wait until the OS has it all before the next command: a client that asks and never reads
    // cannot make us hold one answer after another (backpressure).
    await new Promise((done) => conn.write(output, done));
    sending.delete(conn); // the answer is whole
    console.log(`${peer} sent ${output.length} bytes`);
  }
  sending.delete(conn);
  conn.end(); // TLS's close_notify, then TCP's FIN
});

// 8. Close on Ctrl+C or SIGTERM, and stop any command still running. An answer still under way
//    is cut with destroy(): no close_notify, so the client cannot take it for a whole one.
onShutdown(() => {
  for (const kill of running) kill('server closed');
  server.close();
  for (const [conn, peer] of sending) {
    console.log(`${peer} cut: the server stopped before the answer was all sent`);
    conn.destroy();
  }
});

/** A host other than this machine needs --allow-remote, and gets a warning even then. */
function checkHost(host: string, allowRemote: boolean) {
  const remote = !/^(127\.|::1$|localhost$)/.test(host);
  if (remote && !allowRemote) usageError(`--host ${host} needs --allow-remote`, usage);
  if (remote) console.error('warning: remote code execution: anyone who reaches it runs commands');
}

/** A PEM file from the --certs folder; a missing one says how to make it, and exits 2. */
function readPem(name: string): Buffer {
  const file = path.join(args.certs, name);
  try {
    return readFileSync(file);
  } catch {
    usageError(`cannot read ${file}: make it first with node lessons/13-tls/make-cert.ts`, usage);
  }
}
