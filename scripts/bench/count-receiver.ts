// The download benchmark's receiver: it asks for a file as lesson 05's protocol does (the name,
// then its FIN), counts the bytes until the sender closes, and throws them away, so that the
// network path is measured, not a disk.   count-receiver.ts PORT NAME
// NAME '-' sends nothing and keeps its side open (for nc, which stops at the other side's FIN).
import net from 'node:net';

const [port, name] = process.argv.slice(2);
const socket = net.connect({ port: Number(port), host: '127.0.0.1' });
let received = 0;
socket.on('data', (chunk: Buffer) => {
  received += chunk.length;
});
socket.on('end', () => console.log(`received ${received}`));
socket.on('error', (err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
if (name !== '-') socket.end(name);
