// The HTTP benchmark's baseline: the same two pages as lesson 09, served by node:http.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const dir = new URL('../../lessons/09-http-server/', import.meta.url);
// With LF line ends whatever the checkout has, as lesson 09's server.ts sends them.
const template = (name: string) =>
  readFileSync(new URL(name, dir), 'utf8').replaceAll('\r\n', '\n');
const welcome = template('welcome.html');
const other = template('other.html');
const server = http.createServer((request, response) => {
  const found = request.url === '/go';
  const body = found
    ? welcome.replaceAll('{{content}}', request.socket.remoteAddress ?? '')
    : other;
  response.writeHead(found ? 200 : 404, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    Server: 'node:http',
  });
  response.end(body);
});
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as { port: number }).port}`);
});
process.once('SIGINT', () => process.exit(0));
process.once('SIGTERM', () => process.exit(0));
