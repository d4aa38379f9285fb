/**
 * @title HTTP server on raw TCP (自定义简单的静态服务器)
 * @article 004 "4. 自定义简单的静态服务器"
 * @run node lessons/09-http-server/server.ts [--port 8080] [--header-timeout 10] [--quiet]
 * @run npx tsx lessons/09-http-server/server.ts [--port 8080] [--header-timeout 10] [--quiet]
 * @run deno run --allow-net --allow-read lessons/09-http-server/server.ts [--port 8080] [--header-timeout 10] [--quiet]
 * @run bun lessons/09-http-server/server.ts [--port 8080] [--header-timeout 10] [--quiet]
 *
 * An HTTP/1.1 server on node:net, not node:http: `/go` greets you with your IP address, any
 * other path gets a 404 page. Requests may arrive in pieces, and one connection serves many.
 * One story in three files, numbered in the order the bytes flow: steps 1-4 here (listen,
 * accept, stop); 5-8 in connection.ts (receive a request head); 9-11 in http.ts (parse it);
 * 12-13 back here in route() (choose the page); 14-15 in connection.ts (send the answer); 16 in
 * http.ts (the answer's bytes).
 */
import { readFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import { fail, hostPort, onShutdown, parseCli, seconds } from '../../shared/helpers.ts';
import { type Answer, serveRequests } from './connection.ts';
import { escapeHtml, type Request } from './http.ts';

const usage = 'server.ts [--host 127.0.0.1] [--port 8080] [--header-timeout 10] [--quiet]';
const args = parseCli(usage, 8080, {
  'header-timeout': { type: 'string', default: '10' },
  // Log connections only, not every message: --quiet, for the benchmarks (npm run bench).
  quiet: { type: 'boolean', short: 'q', default: false },
});
const headerTimeoutMs = seconds(args['header-timeout'], usage) * 1000;

// Pitfall: the article opens 'welcome.html' from the current directory, so the server works
//    only when started in its own folder. We read the templates from beside this file, once.
const welcome = template('welcome.html');
const other = template('other.html');
const html = 'Content-Type: text/html; charset=utf-8';
const text = 'Content-Type: text/plain; charset=utf-8';

// 1. Create the socket (socket.socket(AF_INET, SOCK_STREAM)).
const server = net.createServer();
server.on('error', (err) => fail(err, args.host, args.port));

// 2. Bind and listen(128). Pitfall: the article sets SO_REUSEADDR after bind(), too late to
//    help a restart; Node sets it before binding.
server.listen({ host: args.host, port: args.port, backlog: 128 }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${hostPort(address, port)}`);
});

// 3. Accept each client (accept, then a thread each): Node's 'connection' event. One event loop
//    serves every connection, so there are no threads to start. The connection goes to
//    serveRequests in connection.ts, where the story goes on at step 5.
server.on('connection', (socket) => {
  const peer = hostPort(socket.remoteAddress, socket.remotePort);
  console.log(`${peer} connected`);
  socket.on('error', (err) => console.log(`${peer} error: ${err.message}`));
  socket.on('close', () => console.log(`${peer} disconnected`));

  // Pitfall: one read is not a request. The article parses whatever one recv(1024) returned,
  //    so a request that arrives in pieces is cut, and a request line without spaces raises
  //    IndexError. connection.ts reads until the end of the head, answers malformed requests
  //    with 400, and keeps the connection for the next request.
  serveRequests({
    socket,
    peer,
    headerTimeoutMs,
    route: (request) => route(request, socket),
    quiet: args.quiet,
  });
});

// 4. Stop (server.stop()): on Ctrl+C or SIGTERM.
onShutdown(() => server.close());

// 12. Route by path (`"/go" == url`): `/go` is the welcome page, anything else the error page.
//     connection.ts calls this for each request that http.ts has parsed.
// Pitfall: the article answers 200 with the error page for every unknown path; the status must
//    say 404, or browsers, caches and crawlers take it for a real page.
function route(request: Request, socket: net.Socket): Answer {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { status: 405, body: '405 Method Not Allowed\n', fields: [text, 'Allow: GET, HEAD'] };
  }
  if (request.path !== '/go') return { status: 404, body: other, fields: [html] };

  // 13. Render the template: the client's IP in place of {{content}}, HTML-escaped, as anything
  //     put into a page must be. connection.ts sends the answer (step 14).
  const page = welcome.replaceAll('{{content}}', escapeHtml(socket.remoteAddress ?? ''));
  return { status: 200, body: page, fields: [html] };
}

/**
 * A template's text, read from beside this file. A checkout on Windows may end its lines with
 * CRLF: the page is sent with LF line ends whatever the file has, so it is the same page, of
 * the same length, everywhere. Without it the server cannot serve, and says so.
 */
function template(name: string): string {
  try {
    return readFileSync(new URL(name, import.meta.url), 'utf8').replaceAll('\r\n', '\n');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    writeSync(2, `error: cannot read ${name} beside server.ts (${code})\n`);
    process.exit(1);
  }
}
