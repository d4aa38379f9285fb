/**
 * @title HTTPS server: lesson 09's page over TLS (HTTPS 服务器)
 * @article 004 "4. 自定义简单的静态服务器"; 000 "tcp与udp的区别"
 * @run node lessons/13-tls/server.ts [--port 8443] [--certs tls-certs] [--header-timeout 10]
 * @run npx tsx lessons/13-tls/server.ts [--port 8443] [--certs tls-certs] [--header-timeout 10]
 * @run deno run --allow-net --allow-read lessons/13-tls/server.ts [--port 8443] [--certs tls-certs] [--header-timeout 10]
 * @run bun lessons/13-tls/server.ts [--port 8443] [--certs tls-certs] [--header-timeout 10]
 *
 * Lesson 09's `/go` page, encrypted: node:tls in place of node:net, with the key and the
 * certificate that make-cert.ts made. After the handshake the socket reads and writes plain
 * bytes as before; on the wire they cross as ciphertext. One request per connection.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fail, hostPort, onShutdown, parseCli, seconds, usageError } from '../../shared/helpers.ts';

const usage =
  'server.ts [--host 127.0.0.1] [--port 8443] [--certs tls-certs] [--header-timeout 10]';
const args = parseCli(usage, 8443, {
  certs: { type: 'string', default: 'tls-certs' },
  'header-timeout': { type: 'string', default: '10' },
});
const headerTimeoutMs = seconds(args['header-timeout'], usage) * 1000;
const MAX_HEAD = 8192; // the longest request head we read; a longer one gets 431

// 1. Load the server's private key and its certificate (make-cert.ts wrote both). The key never
//    leaves this process; the certificate goes to every client, in the handshake.
const key = readPem('key.pem');
const cert = readPem('cert.pem');

// 2. Create the socket: tls.createServer where lesson 09 has net.createServer. It still listens
//    for TCP; each connection begins with the TLS handshake, which node:tls does for us.
//    A client has --header-timeout seconds for its handshake, as for its request. (Node takes
//    TLS 1.2 and 1.3 only, unless told otherwise: the older versions are broken.)
const server = tls.createServer({ key, cert, handshakeTimeout: headerTimeoutMs });
server.on('error', (err) => fail(err, args.host, args.port));

// 3. Bind and listen, on this machine only unless --host says otherwise.
server.listen({ host: args.host, port: args.port }, () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`); // listening on 127.0.0.1:8443
});

// 4. Accept (accept): 'connection' comes for each TCP connection, before its handshake.
// Pitfall: handshakeTimeout runs from the client's first TLS bytes on, so a client that sends
//    nothing at all would hold its connection for ever. Each gets --header-timeout seconds to
//    finish its handshake (step 6 stops the clock), by its address and port.
const handshaking = new Map<string, NodeJS.Timeout>();
server.on('connection', (tcp: Socket) => {
  const peer = hostPort(tcp.remoteAddress, tcp.remotePort);
  console.log(`${peer} connected`);
  const stop = () => handshaking.delete(peer) && tcp.destroy();
  handshaking.set(peer, setTimeout(stop, headerTimeoutMs));
});

// 5. A handshake that fails is one line in the log, and the server goes on: a client that does
//    not trust our certificate, one that speaks plain HTTP to this port, random bytes. The
//    'connected' line above names the client: by now its socket may have lost its address.
//    A client that refuses our certificate either sends TLS's alert unknown_ca (curl, openssl,
//    Deno) or just closes (Node, Bun: the server sees a reset): the same to us.
const refusals =
  /^(ECONNRESET|ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE)$/;
server.on('tlsClientError', (err: NodeJS.ErrnoException) => {
  const why = refusals.test(err.code ?? '') ? 'the client refused our certificate, or left' : '';
  console.log(`a handshake failed: ${why || err.code || err.message}`);
});

// 6. 'secureConnection' comes once the handshake is done. From here on the socket is lesson
//    09's: we read and write plain bytes, and TLS encrypts them on the way out.
server.on('secureConnection', (socket: tls.TLSSocket) => {
  const peer = hostPort(socket.remoteAddress, socket.remotePort);
  console.log(`${peer} handshake done: ${socket.getProtocol()}`);
  clearTimeout(handshaking.get(peer));
  handshaking.delete(peer);
  socket.on('error', (err) => console.log(`${peer} error: ${err.message}`));
  socket.on('close', () => console.log(`${peer} disconnected`));
  const timer = setTimeout(
    () => answer(socket, '408 Request Timeout', 'no request in time\n'),
    headerTimeoutMs,
  );

  // 7. Receive the request head: every read until the blank line, however TCP split it.
  const chunks: Buffer[] = [];
  socket.on('data', function onData(chunk: Buffer) {
    chunks.push(chunk);
    const head = Buffer.concat(chunks);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0 && head.length < MAX_HEAD) return; // not all of it yet
    socket.off('data', onData);
    clearTimeout(timer);
    if (end < 0) answer(socket, '431 Request Header Fields Too Large', 'request head too long\n');
    else route(socket, peer, head.subarray(0, end).toString('latin1'));
  });
  socket.on('end', () => clearTimeout(timer)); // it left before a whole request
});

// 8. Stop on Ctrl+C or SIGTERM.
onShutdown(() => server.close());

// 9. Route by the request line: GET /go is the welcome page with the client's address; any
//    other path is 404; anything that is not `METHOD /path HTTP/1.x` is 400.
function route(socket: tls.TLSSocket, peer: string, head: string) {
  const [, method, target] = head.match(/^([A-Z]+) (\/\S*) HTTP\/1\.[01]\r?(?:\n|$)/) ?? [];
  console.log(`${peer} asked: ${head.split('\r\n')[0].slice(0, 200)}`);
  if (!method) return answer(socket, '400 Bad Request', 'bad request\n');
  if (method !== 'GET' && method !== 'HEAD')
    return answer(socket, '405 Method Not Allowed', 'use GET or HEAD\n');
  if (target !== '/go') return answer(socket, '404 Not Found', `no page at ${target}\n`, method);
  // An IP address holds no character that HTML would read as markup: nothing to escape.
  const page = `<h1>Welcome, over TLS</h1>\n<p>your address: ${socket.remoteAddress}</p>\n`;
  answer(socket, '200 OK', page, method, 'text/html');
}

// 10. Send the answer and close: end() sends TLS's close_notify, then TCP's FIN.
function answer(socket: tls.TLSSocket, status: string, body: string, method = 'GET', type = '') {
  const fields = [
    `HTTP/1.1 ${status}`,
    `Date: ${new Date().toUTCString()}`,
    'Server: socket-lessons',
    `Content-Type: ${type || 'text/plain'}; charset=utf-8`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  socket.end(`${fields.join('\r\n')}\r\n\r\n${method === 'HEAD' ? '' : body}`);
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
