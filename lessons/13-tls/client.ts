/**
 * @title HTTPS client that checks the certificate (验证证书的 HTTPS 客户端)
 * @article 004 "4. 自定义简单的静态服务器"
 * @run node lessons/13-tls/client.ts [--port 8443] [--path /go] [--ca tls-certs/ca.pem]
 * @run npx tsx lessons/13-tls/client.ts [--port 8443] [--path /go] [--ca tls-certs/ca.pem]
 * @run deno run --allow-net --allow-read lessons/13-tls/client.ts [--port 8443] [--path /go] [--ca tls-certs/ca.pem]
 * @run bun lessons/13-tls/client.ts [--port 8443] [--path /go] [--ca tls-certs/ca.pem]
 *
 * Lesson 09's client over TLS: it trusts one CA, the one in --ca, and sends nothing until the
 * server has shown a certificate signed by that CA for the address it dialled. Then one GET,
 * and the answer printed as it came.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { exitWith, fail, hostPort, parseCli, seconds, usageError } from '../../shared/helpers.ts';

const usage =
  'client.ts [--host 127.0.0.1] [--port 8443] [--path /go] [--ca tls-certs/ca.pem] [--timeout 10]';
const args = parseCli(usage, 8443, {
  path: { type: 'string', default: '/go' },
  ca: { type: 'string', default: 'tls-certs/ca.pem' },
  timeout: { type: 'string', default: '10' },
});
if (!/^\/\S*$/.test(args.path)) usageError(`invalid path '${args.path}': start it with /`, usage);
const timeoutMs = seconds(args.timeout, usage) * 1000;
const server = hostPort(args.host, args.port);

// 1. Read the CA's certificate: the only one this client trusts. `ca` replaces Node's list of
//    public CAs, so a certificate that a public CA signed is refused here too.
const ca = readCa(args.ca);

// 2. Connect, and let tls.connect check the server before anything is sent: its certificate
//    must be signed by `ca` and name the host we dialled (127.0.0.1, or localhost).
// Pitfall: `rejectUnauthorized: false` turns both checks off, and the client then talks to
//    whoever answers, an impostor in the middle as well. Never copy it: give the CA instead.
const socket = tls.connect({
  host: args.host,
  port: args.port,
  ca,
  servername: isIP(args.host) ? undefined : args.host, // SNI is for names, not addresses
});
socket.on('error', refused);
socket.setTimeout(timeoutMs, () => exitWith(1, `error: no answer from ${server} in time`));

// 3. Verified: say so, then send the request, as lesson 09's client does. The bytes we write
//    are plain; TLS encrypts them before they reach the network.
socket.on('secureConnect', () => {
  console.log(`verified: ${server} has a certificate for ${args.host} from the CA in ${args.ca}`);
  const fields = [`Host: ${server}`, 'User-Agent: socket-lessons', 'Connection: close'];
  socket.write(`GET ${args.path} HTTP/1.1\r\n${fields.join('\r\n')}\r\n\r\n`);
});

// 4. Receive until the server closes: it said `Connection: close`. TLS tells a real end (its
//    close_notify) from a cut connection, and Content-Length says if all of the body came.
const chunks: Buffer[] = [];
socket.on('data', (chunk: Buffer) => chunks.push(chunk));
socket.on('end', () => {
  // 5. Print the status line, the header fields and the body, then close.
  const answer = Buffer.concat(chunks);
  const end = answer.indexOf('\r\n\r\n');
  if (end < 0) return exitWith(1, 'error: the server closed before a whole response head');
  const head = answer.subarray(0, end).toString('latin1');
  const body = answer.subarray(end + 4);
  console.log(`${head.replaceAll('\r\n', '\n')}\n`);
  process.stdout.write(body);
  const length = Number(head.match(/^content-length:\s*(\d+)\s*$/im)?.[1] ?? body.length);
  if (body.length < length) exitWith(1, `error: the body stopped at ${body.length} of ${length}`);
  socket.end();
});

/**
 * A certificate check that failed: which check, in one line, with the code Node gives it (the
 * name to search for). Any other error is a network error, said as lessons 03-09 say it.
 */
function refused(err: NodeJS.ErrnoException) {
  const reasons: Record<string, string> = {
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: `its certificate is not signed by the CA in ${args.ca}`,
    DEPTH_ZERO_SELF_SIGNED_CERT: `its certificate is self-signed, not signed by ${args.ca}`,
    SELF_SIGNED_CERT_IN_CHAIN: `its certificate chain ends in a CA that is not ${args.ca}`,
    CERT_SIGNATURE_FAILURE: `its certificate names our CA but was not signed with its key`,
    CERT_HAS_EXPIRED: 'its certificate has expired: make a new one with make-cert.ts',
    ERR_TLS_CERT_ALTNAME_INVALID: `its certificate is not for ${args.host}`,
  };
  const reason = err.code && reasons[err.code];
  if (err.code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return exitWith(1, `error: ${server} does not speak TLS: is it a plain TCP server?`);
  }
  if (!reason) return fail(err, args.host, args.port);
  exitWith(1, `error: ${server} is not the server we trust: ${reason} (${err.code})`);
}

/** The CA certificate file; a missing one says how to make it, and exits 2. */
function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    usageError(`cannot read ${file}: make it with node lessons/13-tls/make-cert.ts`, usage);
  }
}
