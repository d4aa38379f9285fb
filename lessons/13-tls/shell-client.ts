/**
 * @title Remote shell client over TLS (加密的远程 shell: 客户端)
 * @article 001 "五、SSH的实现"; 000 "tcp与udp的区别"
 * @run node lessons/13-tls/shell-client.ts [--port 8022] [--ca tls-certs/ca.pem]
 * @run npx tsx lessons/13-tls/shell-client.ts [--port 8022] [--ca tls-certs/ca.pem]
 * @run deno run --allow-net --allow-read lessons/13-tls/shell-client.ts [--port 8022] [--ca tls-certs/ca.pem]
 * @run bun lessons/13-tls/shell-client.ts [--port 8022] [--ca tls-certs/ca.pem]
 *
 * Lesson 06's client over TLS: it checks the server's certificate against the CA in --ca first,
 * and only then sends each line you type as a command, reads the length, acks, and reads exactly
 * that many bytes. `exit` or the end of input quits.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import tls from 'node:tls';
import {
  exitWith,
  fail,
  hostPort,
  parseCli,
  stdinLines,
  usageError,
} from '../../shared/helpers.ts';
import { readExactly } from './exact.ts';
import { readUntilPause } from './pause.ts';

const usage = 'shell-client.ts [--host 127.0.0.1] [--port 8022] [--ca tls-certs/ca.pem]';
const args = parseCli(usage, 8022, { ca: { type: 'string', default: 'tls-certs/ca.pem' } });
const server = hostPort(args.host, args.port);

// 1. Read the CA's certificate, the only one this client trusts, and connect. tls.connect
//    checks that the server's certificate is signed by it and names the host we dialled.
// Pitfall: `rejectUnauthorized: false` would send your commands to whoever answers. Never.
const ca = readCa(args.ca);
const client = tls.connect({
  host: args.host,
  port: args.port,
  ca,
  servername: isIP(args.host) ? undefined : args.host, // SNI is for names, not addresses
});
let verified = false;
client.on('error', (err) => (verified ? fail(err, args.host, args.port) : refused(err)));

// 2. Wait for the handshake: not one command leaves before the server has been checked.
//    A plain server (lesson 06's) may answer nothing TLS can read: give up after 10 s.
client.setTimeout(10_000, () => quit(`no TLS handshake from ${server} in 10 s: is it TLS?`));
await new Promise((resolve) => client.once('secureConnect', resolve));
client.setTimeout(0); // from here on, a command may run as long as the server lets it
verified = true;
console.log(`verified: ${server} has a certificate for ${args.host} from the CA in ${args.ca}`);

// 3. Read a command; skip empty ones, which would send nothing. Send it (send).
for await (const line of stdinLines('exit')) {
  const command = line.trim();
  if (command === '') continue;
  client.write(command);

  // 4. Receive the output's size: all that comes before the server pauses for our ack.
  const sizeText = await readUntilPause(client).catch(() => null);
  if (sizeText === null) break; // the server is gone; below or the 'error' handler says so
  const reply = sizeText.toString('utf8');
  if (!/^\d+$/.test(reply)) {
    quit(`'${reply}' is not a size`);
    break;
  }
  const size = Number(reply);
  console.log(`'${command}' -> ${size} bytes`);

  // 5. Send the ack (send("准备接受")), then receive exactly `size` bytes (exact.ts).
  client.write('准备接受');
  let output: Buffer;
  try {
    output = await readExactly(client, size);
  } catch (err) {
    quit((err as Error).message); // connection closed after 5 of 13 bytes
    break;
  }

  // 6. Print it, bytes as they are: a character split between two TLS records is whole here.
  process.stdout.write(output);
  if (output.at(-1) !== 0x0a) process.stdout.write('\n');
}

// 7. Close: close_notify and FIN once all is sent, then let go.
if (client.readableEnded) quit('the server closed the connection');
client.end(() => client.destroy());

/** Say what went wrong and exit with code 1 (once what is on its way to stdout is out). */
function quit(problem: string) {
  exitWith(1, `error: ${problem}`);
}

/** A failed certificate check, in one line with Node's code; else a network error, as 06 says. */
function refused(err: NodeJS.ErrnoException) {
  const reasons: Record<string, string> = {
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: `its certificate is not signed by the CA in ${args.ca}`,
    DEPTH_ZERO_SELF_SIGNED_CERT: `its certificate is self-signed, not signed by ${args.ca}`,
    SELF_SIGNED_CERT_IN_CHAIN: `its certificate chain ends in a CA that is not ${args.ca}`,
    CERT_HAS_EXPIRED: 'its certificate has expired: make a new one with make-cert.ts',
    ERR_TLS_CERT_ALTNAME_INVALID: `its certificate is not for ${args.host}`,
  };
  if (err.code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return exitWith(1, `error: ${server} does not speak TLS: is it a plain TCP server?`);
  }
  const reason = err.code && reasons[err.code];
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
