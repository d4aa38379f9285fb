// The 07 benchmark's receiver: it speaks article 001's FTP protocol (`get NAME`, the size, an
// ack, the bytes, the 32-character MD5), hashes the bytes as they come and throws them away, so
// that the network path and the hashing are measured, not a disk.   ftp-receiver.ts PORT NAME
import { createHash } from 'node:crypto';
import net from 'node:net';
import { readUntilPause } from '../../lessons/05-file-download/pause.ts';
import { readExactly } from '../../lessons/06-remote-shell/exact.ts';

const [port, name] = process.argv.slice(2);
const socket = net.connect({ port: Number(port), host: '127.0.0.1' });
socket.on('error', (err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
await new Promise((resolve) => socket.once('connect', resolve));
socket.write(`get ${name}`);
const size = Number(String(await readUntilPause(socket)));
socket.write('ready to recv file');
const md5 = createHash('md5');
for (let received = 0; received < size; ) {
  const chunk = await readExactly(socket, Math.min(2 ** 20, size - received));
  md5.update(chunk);
  received += chunk.length;
}
const theirs = String(await readExactly(socket, 32));
const ours = md5.digest('hex');
console.log(`received ${size} ${theirs === ours ? 'md5 ok' : `md5 MISMATCH ${theirs} ${ours}`}`);
// The article's server never closes a connection (it waits for the next command): we do.
socket.destroy();
