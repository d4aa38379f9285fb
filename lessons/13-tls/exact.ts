/**
 * @title Read exactly N bytes (读满 N 个字节)
 * @article 001 "五、SSH的实现"
 * @imported-by shell-client.ts
 * @run node lessons/13-tls/shell-client.ts [--port 8022] [--ca tls-certs/ca.pem]
 * @run npx tsx lessons/13-tls/shell-client.ts [--port 8022] [--ca tls-certs/ca.pem]
 * @run deno run --allow-net --allow-read lessons/13-tls/shell-client.ts [--port 8022] [--ca tls-certs/ca.pem]
 * @run bun lessons/13-tls/shell-client.ts [--port 8022] [--ca tls-certs/ca.pem]
 * @copy-of ../06-remote-shell/exact.ts
 *
 * The fix for "one recv() is one message" once the sender has announced a length: wait
 * for exactly that many bytes, however the network split them, and say how many came if
 * the stream ends first.
 * Taught in lesson 06 (../06-remote-shell/exact.ts); this is a copy, so this
 * folder runs on its own. tests/contract.test.ts checks that it is that file word for word
 * below this header.
 */
import type { Readable } from 'node:stream';

/**
 * Exactly `size` bytes from a stream, however the network split them (the fix for "one recv()
 * is one message"). Rejects if the stream ends first; the error's `got` says how many came.
 */
export function readExactly(stream: Readable, size: number): Promise<Buffer> {
  // 1. Zero bytes are there already: nothing to wait for.
  if (size === 0) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    // 2. Listen: 'readable' whenever more bytes arrive, 'end' if the sender closes first,
    //    'error' on a reset. Then try at once: the bytes may be waiting in the stream already.
    stream.on('readable', tryRead);
    stream.once('end', onEnd);
    stream.once('error', settle);
    tryRead();

    // 3. Ask for exactly `size` bytes. read(size) returns null until that many have arrived,
    //    however many reads (recv) brought them, so a part of the message simply waits for the
    //    next 'readable'. This is the article's `while received_size < size` loop.
    function tryRead() {
      const data: Buffer | null = stream.read(size);
      if (data === null) {
        if (stream.readableEnded) settle(closedEarly(0)); // it had ended before we asked
        return;
      }
      // At the end of the stream read() hands over whatever is left, which may be short.
      if (data.length === size) settle(null, data);
      else settle(closedEarly(data.length));
    }

    // 4. The stream ended before `size` bytes came: an error that says how many did (`got`),
    //    so that a caller can tell how far a transfer got.
    function closedEarly(got: number) {
      return Object.assign(new Error(`connection closed after ${got} of ${size} bytes`), { got });
    }
    function onEnd() {
      settle(closedEarly(0));
    }

    // 5. Done either way: stop listening, so the bytes after these `size` stay in the stream for
    //    the next read (lesson 07's MD5 follows its file), and hand over the bytes or the error.
    function settle(err: Error | null, data?: Buffer) {
      stream.off('readable', tryRead);
      stream.off('end', onEnd);
      stream.off('error', settle);
      if (err) reject(err);
      else resolve(data as Buffer);
    }
  });
}
