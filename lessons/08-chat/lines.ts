/**
 * @title Lines from a byte stream (按行拆分消息)
 * @article 003 "四、使用 epoll 实现即时聊天"
 * @imported-by server.ts, client.ts
 * @run node lessons/08-chat/server.ts [--port 8080] [--backlog 10]
 * @run npx tsx lessons/08-chat/server.ts [--port 8080] [--backlog 10]
 * @run deno run --allow-net lessons/08-chat/server.ts [--port 8080] [--backlog 10]
 * @run bun lessons/08-chat/server.ts [--port 8080] [--backlog 10]
 *
 * The chat's framing, imported by server.ts and client.ts: a message is one line. A partial
 * line waits for its end, and two lines that arrive in one read are two messages.
 */
import type { Socket } from 'node:net';

/** A line longer than this is delivered in pieces, so one client cannot fill our memory. */
export const MAX_LINE = 64 * 1024;
/** How long a partial line from a peer that sends no newlines waits before it counts. */
const QUIET_MS = 500;

/**
 * Call `onLine` once for every line that arrives on `socket`, without its `\n` (or `\r\n`).
 * The article's programs send what you type without a newline. So until a peer has sent its
 * first newline, a partial line followed by half a second of silence counts as a whole message. A
 * peer that has sent a newline frames its messages with newlines, and its partial lines wait.
 */
export function readLines(socket: Socket, onLine: (line: string) => void) {
  let pending = ''; // the start of a line whose end has not come yet
  let framed = false; // has this peer sent a newline yet?
  let timer: ReturnType<typeof setTimeout> | undefined;

  // 1. Decode the stream, not each read: setEncoding keeps a UTF-8 character that is split
  //    between two reads whole (a read of 1024 bytes can end in the middle of 你).
  socket.setEncoding('utf8');

  // 2. Split at every newline. Pitfall: the article prints each recv(1024) as one message, so
  //    two quick messages print as one (粘包), and one long message prints as two.
  socket.on('data', (text: string) => {
    clearTimeout(timer);
    const parts = text.split('\n');
    parts[0] = pending + parts[0];
    pending = parts.pop() ?? '';
    if (parts.length > 0) framed = true;
    for (const line of parts) {
      onLine(line.replace(/\r$/, ''));
    }

    // 3. What is left is the start of the next line: it waits for its end (or, from a peer
    //    that never sends newlines, for a pause), or until it is too long to keep.
    if (pending.length >= MAX_LINE) {
      flush();
    } else if (pending !== '' && !framed) {
      timer = setTimeout(flush, QUIET_MS);
    }
  });

  // 4. At the end of the stream (recv() returns b''), a last line without a newline still counts.
  socket.on('end', flush);
  socket.on('close', () => clearTimeout(timer));

  /** Deliver the partial line as a whole one (after a pause, when too long, or at the end). */
  function flush() {
    clearTimeout(timer);
    if (pending !== '') onLine(pending);
    pending = '';
  }
}
