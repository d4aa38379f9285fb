// The HTTP benchmark's upper baseline: the least a server on node:net can do for each request.
// It waits for the end of each head (a blank line), answers lesson 09's /go page with the
// client's address filled in, and keeps the connection open. No parsing, no routing, no limits:
// a ceiling to compare with, not a server to copy.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const welcome = readFileSync(
  new URL('../../lessons/09-http-server/welcome.html', import.meta.url),
  'utf8',
).replaceAll('\r\n', '\n');
const server = net.createServer((socket) => {
  const body = Buffer.from(welcome.replaceAll('{{content}}', socket.remoteAddress ?? ''));
  const answer = Buffer.concat([
    Buffer.from(
      `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n`,
    ),
    body,
  ]);
  let pending = '';
  socket.setEncoding('latin1');
  socket.on('error', () => socket.destroy());
  socket.on('data', (text: string) => {
    const heads = (pending + text).split('\r\n\r\n');
    pending = heads.pop() ?? '';
    for (const head of heads) {
      socket.write(answer);
      if (/^connection: *close/im.test(head)) socket.end();
    }
  });
});
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as net.AddressInfo).port}`);
});
process.once('SIGINT', () => process.exit(0));
process.once('SIGTERM', () => process.exit(0));
