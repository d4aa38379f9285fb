/**
 * @title Read exactly N bytes (读满 N 个字节)
 * @article 001 "五、SSH的实现"
 * @imported-by client.ts, sticky.ts, ../04-tcp-echo/client.ts, ../04-tcp-echo/client-000.ts, ../04-tcp-echo/client-002.ts, ../07-ftp-get/client.ts
 *
 * The article's `while received_size < size: recv(1024)` loop, once: wait until the stream holds
 * exactly the announced number of bytes, however the network split them, and say so when the
 * stream ends first. Taught here in lesson 06; lessons 04 and 07 use it too.
 */
import type { Readable } from 'node:stream';

/**
 * Exactly `size` bytes from a stream, however the network split them (the fix for "one recv()
 * is one message"). Rejects if the stream ends first; the error's `got` says how many came.
 */
export function readExactly(stream: Readable, size: number): Promise<Buffer> {
  if (size === 0) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const settle = (err: Error | null, data?: Buffer) => {
      stream.off('readable', tryRead);
      stream.off('end', onEnd);
      stream.off('error', settle);
      if (err) reject(err);
      else resolve(data as Buffer);
    };
    // read(size) returns null until `size` bytes are buffered, so partial reads simply wait.
    const tryRead = () => {
      const data: Buffer | null = stream.read(size);
      // At the end of the stream read() hands over whatever is left, which may be short.
      if (data !== null) settle(data.length === size ? null : closedEarly(data.length), data);
      else if (stream.readableEnded) settle(closedEarly(0)); // it had ended before we asked
    };
    const closedEarly = (got: number) =>
      Object.assign(new Error(`connection closed after ${got} of ${size} bytes`), { got });
    const onEnd = () => settle(closedEarly(0));
    stream.on('readable', tryRead);
    stream.once('end', onEnd);
    stream.once('error', settle);
    tryRead();
  });
}
