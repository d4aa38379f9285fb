/**
 * @title One connection, many requests (HTTP/1.1 持久连接)
 * @article 004 "4. 自定义简单的静态服务器"
 * @run node lessons/09-http-server/server.ts [--port 8080]
 * @run npx tsx lessons/09-http-server/server.ts [--port 8080]
 * @run deno run --allow-net --allow-read lessons/09-http-server/server.ts [--port 8080]
 * @run bun lessons/09-http-server/server.ts [--port 8080]
 *
 * Reads requests off one connection, however the bytes are split, and answers each in turn:
 * the part of an HTTP/1.1 server that the article's one recv(1024) leaves out.
 */
import type { Socket } from 'node:net';
import { MAX_HEAD, parseHead, REASONS, type Request, response } from './http.ts';

/** The server's answer to one request: its status, body and header fields. */
export interface Answer {
  status: number;
  body: string;
  fields: string[];
}

/** Serve `socket` until it closes; `route` answers each well-formed request. */
export function serveRequests(
  socket: Socket,
  peer: string,
  headerTimeoutMs: number,
  route: (request: Request) => Answer,
  quiet = false,
) {
  let buffered = Buffer.alloc(0);
  let bodyLeft = 0; // bytes of a request body still to skip
  let closing = false;

  // 1. The answer: status line, header fields, body. Answers leave in the order the
  //    requests came. Backpressure: a client that does not read makes us stop reading it.
  const send = (what: string, answer: Answer, close: boolean, withBody = true) => {
    if (!quiet) console.log(`${peer} ${what}-> ${answer.status} ${REASONS[answer.status]}`);
    const fields = close ? [...answer.fields, 'Connection: close'] : answer.fields;
    const bytes = response(answer.status, answer.body, fields, withBody);
    closing = close;
    if (close) socket.end(bytes);
    else if (!socket.write(bytes)) socket.pause();
    restartClock();
  };
  const refuse = (status: number) => {
    const body = `${status} ${REASONS[status]}\n`;
    send('', { status, body, fields: ['Content-Type: text/plain; charset=utf-8'] }, true);
  };
  socket.on('drain', () => socket.resume());

  // A head must arrive whole within the timeout, counted from the connection or from the last
  // answer: a silent client is closed, one that stalls half-way gets 408 (slowloris).
  let clock: ReturnType<typeof setTimeout> | undefined;
  const restartClock = () => {
    clearTimeout(clock);
    clock = setTimeout(() => {
      if (closing || buffered.length === 0) socket.destroy();
      else refuse(408);
    }, headerTimeoutMs);
  };
  restartClock();
  socket.on('close', () => clearTimeout(clock));

  // 2. Receive until the blank line that ends the head, however many reads that takes, and at
  //    most MAX_HEAD bytes (431). Stray newlines between requests are allowed.
  socket.on('data', (chunk: Buffer) => {
    if (closing) return; // after the last answer, whatever else comes is read and dropped
    buffered = Buffer.concat([buffered, chunk]);
    while (!closing) {
      const skip = Math.min(bodyLeft, buffered.length); // the body of the previous request
      [buffered, bodyLeft] = [buffered.subarray(skip), bodyLeft - skip];
      while (buffered[0] === 0x0d || buffered[0] === 0x0a) buffered = buffered.subarray(1);
      const blank = /\r?\n\r?\n/.exec(buffered.subarray(0, MAX_HEAD).toString('latin1'));
      if (bodyLeft > 0 || !blank) {
        if (buffered.length >= MAX_HEAD) refuse(431);
        return;
      }
      const head = buffered.subarray(0, blank.index).toString('latin1');
      buffered = buffered.subarray(blank.index + blank[0].length);

      // 3. Parse it; a malformed request gets its error status, and the connection closes.
      const request = parseHead(head);
      if (typeof request === 'number') return refuse(request);
      bodyLeft = request.bodyLength;

      // 4. Keep the connection for the next request (HTTP/1.1), unless the client asks us to
      //    close it or speaks HTTP/1.0. HEAD gets the same head as GET, without the body.
      const connection = request.headers.get('connection') ?? '';
      const close = request.version === '1.0' || /(^|,)\s*close\s*(,|$)/i.test(connection);
      send(
        `${request.method} ${request.target} `,
        route(request),
        close,
        request.method !== 'HEAD',
      );
    }
  });
}
