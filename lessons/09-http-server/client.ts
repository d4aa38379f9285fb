/**
 * @title Raw HTTP client (HTTP 客户端)
 * @article 004 "4. 自定义简单的静态服务器"; 001 "四、web服务的应用"
 * @run node lessons/09-http-server/client.ts [--port 8080] [--path /go] [--timeout 10]
 * @run npx tsx lessons/09-http-server/client.ts [--port 8080] [--path /go] [--timeout 10]
 * @run deno run --allow-net lessons/09-http-server/client.ts [--port 8080] [--path /go] [--timeout 10]
 * @run bun lessons/09-http-server/client.ts [--port 8080] [--path /go] [--timeout 10]
 *
 * What a browser does first, by hand on node:net: send a GET, then print the status line, the
 * header fields and the body. The body ends after Content-Length bytes, or when the server closes.
 * It gives up when the server stays silent for --timeout seconds.
 */
import net from 'node:net';
import { exitWith, fail, hostPort, parseCli, seconds, usageError } from '../../shared/helpers.ts';

const usage = 'client.ts [--host 127.0.0.1] [--port 8080] [--path /go] [--timeout 10]';
const args = parseCli(usage, 8080, {
  path: { type: 'string', default: '/go' },
  timeout: { type: 'string', default: '10' },
});
if (!/^\/\S*$/.test(args.path)) usageError(`invalid path '${args.path}': start it with /`, usage);
const timeoutMs = seconds(args.timeout, usage) * 1000;
const server = hostPort(args.host, args.port);

// 1. Connect (what the browser does when you open http://127.0.0.1:8080/go). Node reads into
//    `buffer` and hands each read to received(), below (steps 4 to 6).
const client = net.connect({
  host: args.host,
  port: args.port,
  onread: { buffer: Buffer.alloc(64 * 1024), callback: received },
});
client.on('error', (err) => fail(err, args.host, args.port));

// A read with no timeout waits for ever on a server that accepts and never answers: the wrong
// port, or a program that speaks something else. This timer runs from the start (the connect
// too) until the answer is complete, and each read restarts it: a long answer that keeps coming
// is never cut, a silent one ends after --timeout seconds (giveUp, below).
let timer = setTimeout(giveUp, timeoutMs);

// 2. Send the request: the request line, the header fields, and a blank line that ends them.
//    HTTP/1.1 requires Host. No body, so no Content-Length.
const fields = [`Host: ${server}`, 'User-Agent: socket-lessons'];
client.write(`GET ${args.path} HTTP/1.1\r\n${fields.join('\r\n')}\r\n\r\n`);

// 3. Receive the answer: each read goes to received(), which finishes once the body is
//    complete. Or read until the server closes (recv() returns b''), as the article's servers
//    need.
client.on('end', () => finish());

// What the reads have brought so far, for received() and finish().
const MAX_HEAD = 64 * 1024; // the longest response head we wait for
const chunks: Buffer[] = []; // every read so far
let total = 0; // their bytes
let bodyStart = -1; // where the body begins, once the head is complete
let bodyLength = -1; // from Content-Length; -1 means "until the server closes"
let finished = false;

// Returning false stops reading after each read, and setImmediate starts it again. Pitfall: on
//    Node 22 and older (libuv 1.51), a socket that keeps reading while a reset arrives with the
//    last bytes reports a normal end, and a cut body without Content-Length would look whole.
function received(length: number, buffer: Buffer): boolean {
  // 4. Keep each read, and restart the timer: the server is still talking.
  chunks.push(Buffer.from(buffer.subarray(0, length))); // a copy: the buffer is read into again
  total += length;
  clearTimeout(timer);
  timer = setTimeout(giveUp, timeoutMs);
  setImmediate(() => client.resume());

  // 5. The head: everything up to the blank line, however many reads it takes.
  if (bodyStart < 0) {
    const all = Buffer.concat(chunks);
    const end = all.indexOf('\r\n\r\n');
    if (end < 0) {
      if (total > MAX_HEAD) exitWith(1, 'error: the response head is too long');
      return false; // wait for the next read
    }
    bodyStart = end + 4;

    // 6. The length of the body: Content-Length if the server sent one. 204 and 304 have none.
    const head = all.subarray(0, end).toString('latin1');
    const length = /^content-length:[ \t]*(\d+)[ \t]*$/im.exec(head);
    if (length) bodyLength = Number(length[1]);
    if (/^HTTP\/\d\.\d (204|304) /.test(head)) bodyLength = 0;
  }
  if (bodyLength >= 0 && total - bodyStart >= bodyLength) finish();
  return false;
}

// 7. Print the status line, the header fields, a blank line and the body; then close.
function finish() {
  if (finished) return;
  finished = true;
  clearTimeout(timer);
  const all = Buffer.concat(chunks);
  if (bodyStart < 0) {
    exitWith(1, 'error: the server closed before a whole response head');
    return;
  }
  let bodyEnd: number | undefined; // up to the end of what came, when there is no length
  if (bodyLength >= 0) bodyEnd = bodyStart + bodyLength;
  const body = all.subarray(bodyStart, bodyEnd);
  console.log(all.subarray(0, bodyStart).toString('latin1').trimEnd().replaceAll('\r\n', '\n'));
  console.log('');
  const text = body.toString('utf8');
  if (text === '' || text.endsWith('\n')) {
    process.stdout.write(text);
  } else {
    process.stdout.write(`${text}\n`); // end the last line, so the shell's prompt starts anew
  }
  if (body.length < bodyLength) {
    exitWith(1, `error: the server closed after ${body.length} of ${bodyLength} body bytes`);
  }
  client.end();
}

/** --timeout seconds without a read: say what the silence probably means, and exit 1. */
function giveUp() {
  const within = `within ${args.timeout} s`;
  const tools = `lsof -i :${args.port}, or netstat -ano | findstr :${args.port} on Windows`;
  const hint = `is it an HTTP server? (check what listens on that port: ${tools})`;
  let problem = `no answer from ${server} ${within}; ${hint}`;
  if (client.connecting) {
    problem = `could not connect to ${server} ${within}`;
  } else if (total > 0) {
    problem = `the answer from ${server} stopped after ${total} bytes; nothing more came ${within}`;
  }
  exitWith(1, `error: ${problem}`);
}
