// Lesson 13's demo. Its certificates are made here, in Node, and not by the lesson's make-cert.ts:
// the demo also runs on Windows under Wine, where there is no openssl, and Node can make the same
// files with node:crypto (a key pair, and the certificate's DER bytes signed with it). The tests
// check make-cert.ts itself, with the real openssl, and that both make files the server takes.
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Demo } from '../lib/demo.ts';

export const demo: Demo = {
  lesson: '13-tls',
  port: 8443,
  server: { file: 'server.ts' },
  sizesVary: "the handshake's messages come from the TLS library of the Node that runs the demo",
  setup(dir) {
    // What make-cert.ts writes, for the server; then another CA: the wrong one to trust.
    makeCertificates(path.join(dir, 'tls-certs'), 'socket-lessons demo CA');
    makeCertificates(path.join(dir, 'other-ca'), 'some other CA');
  },
  runs: [
    { file: 'client.ts', args: ['--path', '/go'], serverDone: /disconnected$/ },
    { file: 'client.ts', args: ['--ca', 'other-ca/ca.pem'], serverDone: /handshake failed/ },
  ],
};

/** One DER element: its tag, its length, its bytes (certificates stay under 64 KiB). */
function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const size = body.length;
  const length = size < 0x80 ? [size] : size < 0x100 ? [0x81, size] : [0x82, size >> 8, size & 255];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}
const sequence = (...parts: Buffer[]) => der(0x30, ...parts);
function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) groups.unshift((value & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return der(0x06, Buffer.from(bytes));
}
const name = (commonName: string) =>
  sequence(der(0x31, sequence(oid('2.5.4.3'), der(0x0c, Buffer.from(commonName)))));
const utcTime = (date: Date) =>
  der(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`));
const extension = (id: string, critical: boolean, value: Buffer) =>
  sequence(oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), der(0x04, value));
const sha256WithRsa = sequence(oid('1.2.840.113549.1.1.11'), der(0x05));

/** A certificate for `subject`'s public key, signed by `issuerKey` (DER, X.509 v3). */
function certificate(
  subject: string,
  issuer: string,
  key: KeyObject,
  issuerKey: KeyObject,
  extensions: Buffer[],
  days = 30,
): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x3f) | 0x40; // positive, and always 16 bytes long
  const now = Date.now();
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))), // version 3
    der(0x02, serial),
    sha256WithRsa,
    name(issuer),
    sequence(
      utcTime(new Date(now - 3600e3 + Math.min(days, 0) * 86400e3)),
      utcTime(new Date(now + days * 86400e3)),
    ),
    name(subject),
    key.export({ type: 'spki', format: 'der' }),
    der(0xa3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, issuerKey);
  return sequence(tbs, sha256WithRsa, der(0x03, Buffer.from([0]), signature));
}

const pem = (label: string, bytes: Buffer) =>
  `-----BEGIN ${label}-----\n${bytes.toString('base64').replace(/.{64}/g, '$&\n').trimEnd()}\n-----END ${label}-----\n`;

/**
 * What make-cert.ts makes, in `dir`: ca.pem (a new CA, whose key is thrown away), and cert.pem
 * and key.pem (the server's, for localhost, 127.0.0.1 and ::1, signed by that CA). For the tests:
 * other names, a certificate that expired `-days` ago, or one that signs itself (no CA).
 */
export function makeCertificates(
  dir: string,
  caName = 'socket-lessons test CA',
  { days = 30, dnsNames = ['localhost'], selfSigned = false } = {},
) {
  mkdirSync(dir, { recursive: true });
  const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ca = rsa();
  const server = rsa();
  const caCert = certificate(caName, caName, ca.publicKey, ca.privateKey, [
    extension('2.5.29.19', true, sequence(der(0x01, Buffer.from([0xff])))), // CA: true
    extension('2.5.29.15', true, der(0x03, Buffer.from([1, 0x06]))), // keyCertSign, cRLSign
  ]);
  const loopback6 = Buffer.alloc(16);
  loopback6[15] = 1;
  const names = [
    ...dnsNames.map((each) => der(0x82, Buffer.from(each))),
    ...(dnsNames.includes('localhost')
      ? [der(0x87, Buffer.from([127, 0, 0, 1])), der(0x87, loopback6)]
      : []),
  ];
  const issuer = selfSigned ? 'localhost' : caName;
  const signer = selfSigned ? server.privateKey : ca.privateKey;
  const serverCert = certificate(
    'localhost',
    issuer,
    server.publicKey,
    signer,
    [
      extension('2.5.29.19', true, sequence()), // CA: false
      extension('2.5.29.15', true, der(0x03, Buffer.from([5, 0xa0]))), // digitalSignature, keyEnc.
      extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))), // serverAuth
      extension('2.5.29.17', false, sequence(...names)), // subjectAltName
    ],
    days,
  );
  writeFileSync(path.join(dir, 'ca.pem'), pem('CERTIFICATE', caCert));
  writeFileSync(path.join(dir, 'cert.pem'), pem('CERTIFICATE', serverCert));
  const key = server.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  writeFileSync(path.join(dir, 'key.pem'), key, { mode: 0o600 });
  writeFileSync(path.join(dir, '.gitignore'), '*\n');
}
