/**
 * @title Read one message up to a pause (读到对方停顿为止)
 * @article 000 "示例3-tcp文件下载"; 003 "三、文件下载"
 * @imported-by shell-server.ts, shell-client.ts
 * @run node lessons/13-tls/shell-server.ts [--port 8022] [--certs tls-certs] [--timeout 10] [--allow-remote]
 * @run npx tsx lessons/13-tls/shell-server.ts [--port 8022] [--certs tls-certs] [--timeout 10] [--allow-remote]
 * @run deno run --allow-net --allow-read --allow-run --allow-env lessons/13-tls/shell-server.ts [--port 8022] [--certs tls-certs] [--timeout 10] [--allow-remote]
 * @run bun lessons/13-tls/shell-server.ts [--port 8022] [--certs tls-certs] [--timeout 10] [--allow-remote]
 * @copy-of ../05-file-download/pause.ts
 *
 * The articles' protocols send a short message (a file name, a command, a size, an ack)
 * with no length and no end marker, and read it with one recv(1024). One read is not one
 * message: this is how the lessons read such a message instead.
 * Taught in lesson 05 (../05-file-download/pause.ts); this is a copy, so this
 * folder runs on its own. tests/contract.test.ts checks that it is that file word for word
 * below this header.
 */
import type { Readable } from 'node:stream';

/**
 * One small message of a protocol with no length and no end marker: the articles send a file name,
 * a command, a size or an ack, then wait for the answer. So the message is every byte that comes
 * until the sender closes its side or pauses for `quietMs`, not one read. Resolves null if the
 * stream ends before any byte; stops early at `maxBytes`.
 */
export function readUntilPause(stream: Readable, quietMs = 50, maxBytes = 4096) {
  return new Promise<Buffer | null>((resolve, reject) => {
    // 1. A stream that has ended already holds no message: null, as the article's recv()
    //    returns b'' once the other side has closed.
    if (stream.readableEnded || stream.destroyed) {
      resolve(null);
      return;
    }
    const parts: Buffer[] = []; // the reads so far: one message can come in several
    let received = 0; // bytes in `parts`
    let timer: ReturnType<typeof setTimeout> | undefined;

    // 2. Listen: 'readable' for every read that arrives, 'end' when the sender closes its side
    //    (the message is complete), 'error' on a reset. Then look at once, in case some bytes
    //    were already waiting in the stream before we asked.
    stream.on('readable', onReadable);
    stream.once('end', settle);
    stream.once('error', settle);
    onReadable();

    // 3. Take every byte that has come so far, and start the quiet timer again: the message is
    //    over only when the sender has said nothing for `quietMs` (it is waiting for our
    //    answer). A message that grows to `maxBytes` is over at once, so no sender can fill our
    //    memory.
    function onReadable() {
      for (let chunk = stream.read(); chunk !== null; chunk = stream.read()) {
        parts.push(chunk);
        received += chunk.length;
      }
      clearTimeout(timer);
      if (received >= maxBytes) settle();
      else if (received > 0) timer = setTimeout(settle, quietMs);
    }

    // 4. Finished, by a pause, the size limit, the end of the stream or an error: stop
    //    listening, so the bytes that come after this message stay in the stream for the next
    //    read, and hand over the message (or null if not one byte came).
    function settle(err?: Error | null) {
      clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('end', settle);
      stream.off('error', settle);
      if (err) reject(err);
      else resolve(parts.length > 0 ? Buffer.concat(parts) : null);
    }
  });
}
