/**
 * @title Read one message up to a pause (读到对方停顿为止)
 * @article 000 "示例3-tcp文件下载"; 003 "三、文件下载"
 * @imported-by server.ts, ../03-tcp-hello/server-004.ts, ../04-tcp-echo/server-000.ts, ../06-remote-shell/server.ts, ../06-remote-shell/client.ts, ../07-ftp-get/server.ts, ../07-ftp-get/client.ts
 *
 * The articles' protocols send a short message (a file name, a command, a size, an ack) with no
 * length and no end marker, and read it with one recv(1024). One read is not one message: this
 * is how the lessons read such a message instead, taught here in lesson 05 and used after it.
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
    if (stream.readableEnded || stream.destroyed) return resolve(null);
    const parts: Buffer[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (err?: Error | null) => {
      clearTimeout(timer);
      stream.off('readable', onReadable).off('end', settle).off('error', settle);
      if (err) reject(err);
      else resolve(parts.length ? Buffer.concat(parts) : null);
    };
    const onReadable = () => {
      for (let chunk = stream.read(); chunk !== null; chunk = stream.read()) parts.push(chunk);
      clearTimeout(timer);
      const size = parts.reduce((sum, part) => sum + part.length, 0);
      if (size >= maxBytes) settle();
      else if (size > 0) timer = setTimeout(settle, quietMs);
    };
    stream.on('readable', onReadable).once('end', settle).once('error', settle);
    onReadable();
  });
}
