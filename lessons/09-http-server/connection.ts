/**
 * @title One connection, many requests (HTTP/1.1 持久连接)
 * @article 004 "4. 自定义简单的静态服务器"
 * @imported-by server.ts
 * @run node lessons/09-http-server/server.ts [--port 8080] [--header-timeout 10] [--quiet]
 * @run npx tsx lessons/09-http-server/server.ts [--port 8080] [--header-timeout 10] [--quiet]
 * @run deno run --allow-net --allow-read lessons/09-http-server/server.ts [--port 8080] [--header-timeout 10] [--quiet]
 * @run bun lessons/09-http-server/server.ts [--port 8080] [--header-timeout 10] [--quiet]
 *
 * Reads requests off one connection, however the bytes are split, and answers each in turn:
 * the part of an HTTP/1.1 server that the article's one recv(1024) leaves out. The lesson's
 * steps go on here from server.ts (1-4): 5-8 receive a head and hand it to http.ts (9-11), which
 * parses it; server.ts's route() (12-13) picks the answer; 14-15 here send it, and http.ts (16)
 * builds its bytes.
 */
import type { Socket } from 'node:net';
import { MAX_HEAD, parseHead, REASONS, type Request, response } from './http.ts';

/** Serve one client's connection until it closes: server.ts hands it over in step 3. */
export function serveRequests({ socket, peer, headerTimeoutMs, route, quiet }: Connection) {
  let buffered: Buffer = Buffer.alloc(0); // bytes received and not parsed yet
  let bodyLeft = 0; // bytes of a request body still to skip
  let closing = false; // the last answer is on its way: what else comes is dropped
  let clock: ReturnType<typeof setTimeout> | undefined;

  // 5. Start the clock: a head must arrive whole within headerTimeoutMs, counted from the
  //    connection or from the last answer. A silent client is closed, one that stalls half-way
  //    gets 408 (slowloris). See restartClock, below.
  restartClock();
  socket.on('close', () => clearTimeout(clock));

  // 6. Receive (recv(1024)): each read is a 'data' event, its bytes added to what is buffered.
  //    Backpressure: while a client does not read our answers, send() pauses the socket: no
  //    more reads, and no more answers to the requests already buffered. 'drain' (the answers
  //    have left) resumes both.
  socket.on('data', (chunk: Buffer) => {
    if (closing) return; // after the last answer, whatever else comes is read and dropped
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    answerBuffered();
  });
  socket.on('drain', () => {
    socket.resume();
    answerBuffered();
  });

  // One read may hold the end of one request and the start of the next, or several requests
  // (a pipelining client): go round until what is buffered holds no whole head, or the client
  // has stopped reading our answers.
  function answerBuffered() {
    while (!closing && !socket.isPaused()) {
      // 7. Find the blank line that ends the head, however many reads that takes, within
      //    MAX_HEAD bytes (431). Skip the body of the previous request first, and stray newlines
      //    between requests.
      const skip = Math.min(bodyLeft, buffered.length);
      buffered = buffered.subarray(skip);
      bodyLeft -= skip;
      while (buffered[0] === 0x0d || buffered[0] === 0x0a) buffered = buffered.subarray(1);
      const blank = /\r?\n\r?\n/.exec(buffered.subarray(0, MAX_HEAD).toString('latin1'));
      if (bodyLeft > 0 || !blank) {
        if (buffered.length >= MAX_HEAD) refuse(431);
        return; // wait for the next read
      }
      const head = buffered.subarray(0, blank.index).toString('latin1');
      buffered = buffered.subarray(blank.index + blank[0].length);

      // 8. Parse the head: http.ts, steps 9-11. A malformed request gets its error status, and
      //    the connection closes.
      const request = parseHead(head);
      if (typeof request === 'number') {
        refuse(request);
        return;
      }
      bodyLeft = request.bodyLength;

      // Route it: route() in server.ts, steps 12-13, chooses the answer.
      const answer = route(request);

      // 14. Keep the connection for the next request (HTTP/1.1), unless the client asks us to
      //     close it or speaks HTTP/1.0. HEAD gets the same head as GET, without the body.
      const connection = request.headers.get('connection') ?? '';
      const close = request.version === '1.0' || /(^|,)\s*close\s*(,|$)/i.test(connection);
      const withBody = request.method !== 'HEAD';
      send(`${request.method} ${request.target} `, answer, close, withBody);
    }
  }

  // 15. Send the answer (send): its bytes come from http.ts, step 16. Answers leave in the order
  //     the requests came. Each answer restarts the clock for the next request.
  function send(what: string, answer: Answer, close: boolean, withBody = true) {
    if (!quiet) console.log(`${peer} ${what}-> ${answer.status} ${REASONS[answer.status]}`);
    const fields = close ? [...answer.fields, 'Connection: close'] : answer.fields;
    const bytes = response(answer.status, answer.body, fields, withBody);
    closing = close;
    if (close) {
      socket.end(bytes); // send, then close (client_socket.close())
    } else if (!socket.write(bytes)) {
      socket.pause(); // the client is not reading: read no more until 'drain'
    }
    restartClock();
  }

  /** Answer a request that cannot be served with its error status, and close. */
  function refuse(status: number) {
    const body = `${status} ${REASONS[status]}\n`;
    const answer = { status, body, fields: ['Content-Type: text/plain; charset=utf-8'] };
    send('', answer, true);
  }

  /**
   * Give the client headerTimeoutMs from now to send a whole head (step 5). After the first
   * time the same timer is set again (refresh): cheaper than a new one for every answer.
   */
  function restartClock() {
    if (clock) {
      clock.refresh();
      return;
    }
    clock = setTimeout(() => {
      if (closing || buffered.length === 0) {
        socket.destroy();
      } else {
        refuse(408);
      }
    }, headerTimeoutMs);
  }
}

/** What server.ts hands over with each connection, by name. */
export interface Connection {
  socket: Socket;
  /** The client's address and port, for the log: `127.0.0.1:50001`. */
  peer: string;
  /** How long a client may take to send a whole request head, or stay idle between two. */
  headerTimeoutMs: number;
  /** Answers each well-formed request (server.ts, steps 12-13). */
  route: (request: Request) => Answer;
  /** No log line for each request (`--quiet`). */
  quiet: boolean;
}

/** The server's answer to one request: its status, body and header fields. */
export interface Answer {
  status: number;
  body: string;
  fields: string[];
}
