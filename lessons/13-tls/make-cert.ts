/**
 * @title Make a CA and a server certificate with openssl (生成证书)
 * @article 000 "tcp与udp的区别"
 * @run node lessons/13-tls/make-cert.ts [--out tls-certs] [--days 30] [--openssl openssl]
 * @run npx tsx lessons/13-tls/make-cert.ts [--out tls-certs] [--days 30] [--openssl openssl]
 * @run deno run --allow-read --allow-write --allow-run --allow-env lessons/13-tls/make-cert.ts [--out tls-certs] [--days 30] [--openssl openssl]
 * @run bun lessons/13-tls/make-cert.ts [--out tls-certs] [--days 30] [--openssl openssl]
 *
 * Runs the openssl command line three times: a certificate authority (CA) of your own, a key for
 * the server, and the server's certificate for localhost, 127.0.0.1 and ::1, signed by that CA.
 * The CA's key is deleted at the end, so it can sign nothing else.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs, { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCli, usageError } from '../../shared/helpers.ts';

const usage = 'make-cert.ts [--out tls-certs] [--days 30] [--openssl openssl]';
const { out, days, openssl } = parseCli(usage, 0, {
  out: { type: 'string', default: 'tls-certs' },
  days: { type: 'string', default: '30' },
  openssl: { type: 'string', default: opensslPath() },
});
if (!/^[1-9]\d{0,4}$/.test(days)) usageError(`invalid --days '${days}': a number of days`, usage);

// 1. Find openssl: on Linux and macOS it is there; on Windows it comes with Git for Windows.
if (spawnSync(openssl, ['version']).status !== 0) {
  quit(`cannot run '${openssl}': install OpenSSL (or Git for Windows), or name it with --openssl`);
}

// 2. A private scratch folder for what must not stay: the CA's key, the request, the settings.
//    The settings file keeps every value out of the command line and out of openssl's own
//    configuration, which differs between Linux, macOS (LibreSSL) and Git for Windows.
try {
  makeFolder(out); // a new folder is yours alone
  writeFileSync(path.join(out, '.gitignore'), '*\n'); // never committed: it holds a key
} catch (err) {
  quit(`cannot write to ${out} (${(err as NodeJS.ErrnoException).code})`);
}
const scratch = mkdtempSync(path.join(tmpdir(), 'make-cert-'));
const [settingsFile, caKey, request] = ['openssl.cnf', 'ca-key.pem', 'server.csr'].map((name) =>
  path.join(scratch, name),
);
const [caCert, key, cert] = ['ca.pem', 'key.pem', 'cert.pem'].map((name) => path.join(out, name));
writeFileSync(settingsFile, settings(`socket-lessons local CA, made ${new Date().toISOString()}`));

// 3. The CA: a key (kept in the scratch folder) and a certificate that signs itself.
run(`req -x509 -newkey rsa:2048 -nodes -sha256 -extensions ca -days ${days}`, {
  '-keyout': caKey,
  '-out': caCert,
});

// 4. The server's key and a certificate signing request (CSR) for CN=localhost.
run('req -new -newkey rsa:2048 -nodes -subj /CN=localhost', { '-keyout': key, '-out': request });
chmodSync(key, 0o600); // readable by you alone

// 5. The CA signs it: the server's certificate, for the names in [server] below. The serial
//    number is random: each certificate from one CA needs its own.
const serial = `0x${randomBytes(16).toString('hex')}`;
run(`x509 -req -sha256 -extensions server -days ${days} -set_serial ${serial}`, {
  '-in': request,
  '-CA': caCert,
  '-CAkey': caKey,
  '-out': cert,
});

// 6. Delete the scratch folder, and the CA's key with it: no one can sign with this CA again.
rmSync(scratch, { recursive: true, force: true });

// 7. Say what is where, and which file goes where.
console.log(`made a CA and a certificate for localhost, 127.0.0.1 and ::1, valid ${days} days:`);
console.log(`  ${caCert}    the CA's certificate: what clients trust (--ca, --cacert)`);
console.log(`  ${cert}  the server's certificate, signed by that CA`);
console.log(`  ${key}   the server's private key: keep it secret, never commit it`);
console.log("the CA's own key is deleted: it can sign nothing else");

/**
 * One openssl command: its fixed words, then options whose values may hold spaces (a path), and
 * our settings file. If it fails: the first line of openssl's complaint, and exit 1.
 */
function run(words: string, values: Record<string, string>) {
  const command = [...words.split(' '), ...Object.entries(values).flat()];
  command.push(command[0] === 'req' ? '-config' : '-extfile', settingsFile);
  const env = { ...process.env, OPENSSL_CONF: settingsFile };
  const result = spawnSync(openssl, command, { env, encoding: 'utf8' });
  if (result.status === 0) return;
  rmSync(scratch, { recursive: true, force: true }); // the CA's key goes, even now
  const said = `${result.stderr ?? ''}`.trim().split(/\r?\n/)[0] || `exit code ${result.status}`;
  quit(`openssl ${command[0]} failed: ${said}`);
}

/**
 * `dir` and any folder missing above it, each readable by you alone (0o700).
 * Pitfall: mkdirSync(dir, { recursive: true }) loops for ever where mkdir says ENOENT of a parent
 *    that exists (--out /proc/x on Linux). One folder at a time, each error is the real one.
 */
function makeFolder(dir: string) {
  const missing: string[] = [];
  // Up to the root (C:\ or /): a missing drive stops there, and mkdirSync says why.
  for (let at = path.resolve(dir); !fs.existsSync(at); at = path.dirname(at)) {
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const folder of missing) mkdirSync(folder, { mode: 0o700 });
}

/** One error line, and exit 1 at once: nothing after it may run. */
function quit(problem: string): never {
  writeSync(2, `error: ${problem}\n`);
  process.exit(1);
}

/** openssl's settings: the CA's name, and the extensions of each certificate. */
function settings(caName: string): string {
  return `[req]
distinguished_name = dn
prompt = no
[dn]
CN = ${caName}
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[server]
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
`;
}

/** openssl on the PATH; on Windows, Git's copy when the PATH has none. */
function opensslPath(): string {
  const programs = process.env.ProgramFiles ?? 'C:\\Program Files';
  const git = path.join(programs, 'Git', 'usr', 'bin', 'openssl.exe');
  const onPath = process.platform !== 'win32' || spawnSync('openssl', ['version']).status === 0;
  return onPath ? 'openssl' : git;
}
