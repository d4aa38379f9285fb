/**
 * @title WebSocket frames (WebSocket 帧)
 * @article 003 "四、使用 epoll 实现即时聊天"
 * @imported-by websocket.ts, server.ts
 * @run node lessons/12-websocket-chat/server.ts [--port 8080]
 * @run npx tsx lessons/12-websocket-chat/server.ts [--port 8080]
 * @run deno run --allow-net --allow-read lessons/12-websocket-chat/server.ts [--port 8080]
 * @run bun lessons/12-websocket-chat/server.ts [--port 8080]
 *
 * The framing of RFC 6455, imported by websocket.ts and server.ts: a two-byte head, a length
 * in 7, 16 or 64 bits, a masking key, the payload. Lesson 06 put a length in front of each
 * message; this is the same idea, on a protocol every browser speaks. The reader takes the
 * bytes however TCP splits them, even one at a time.
 */
import { randomBytes } from 'node:crypto';
import type { TextDecoder } from 'node:util';

/** The opcodes (the low four bits of the first byte). */
export const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa };

/**
 * A reader of frames: call the function it returns with every chunk that arrives, and it calls
 * `onFrame` once for each whole frame. A frame that breaks the rules throws an error whose
 * `code` is the close code to answer with (1002 protocol error, 1009 too big).
 */
export function frameReader(maxPayload: number, onFrame: (frame: Frame) => void) {
  let buffer: Buffer = Buffer.alloc(4096); // one buffer, reused: what is not a whole frame yet
  let filled = 0; // its bytes in use
  let needed = 2; // how many bytes the next step waits for

  return (chunk: Buffer) => {
    // Copy each read in, then let it go. A reader that kept reads (or slices of them) until the
    // rest of a frame came would keep their memory alive until V8's next full collection: after
    // 60 MB of messages that was 57 MiB (see the README).
    if (filled + chunk.length > buffer.length) buffer = grown(buffer, filled + chunk.length);
    filled += chunk.copy(buffer, filled);
    let start = 0; // where the next frame begins
    while (filled - start >= needed) {
      const bytes = buffer.subarray(start, filled);

      // 1. The first byte: FIN (the last frame of a message), three reserved bits that must be
      //    0 (no extension was agreed), and the opcode.
      const fin = (bytes[0] & 0x80) !== 0;
      const opcode = bytes[0] & 0x0f;
      if (bytes[0] & 0x70) throw closeError(1002, 'reserved bits set');

      // 2. The second byte: MASK, and a 7-bit length. 126 means a 16-bit length follows, 127 a
      //    64-bit one. Then the 4-byte masking key, if MASK is set. Control frames (close, ping,
      //    pong) are short and whole.
      const masked = (bytes[1] & 0x80) !== 0;
      const short = bytes[1] & 0x7f;
      if (opcode >= 0x8 && (!fin || short > 125)) throw closeError(1002, 'bad control frame');
      let lengthEnd = 2; // where the length ends and the masking key (if any) begins
      if (short === 126) lengthEnd = 4;
      if (short === 127) lengthEnd = 10;
      needed = lengthEnd; // wait for the rest of the length, if it has not come
      if (bytes.length < needed) break;
      let length = short;
      if (short === 126) length = bytes.readUInt16BE(2);
      // A 64-bit length must have its top bit clear (RFC 6455, 5.2); 2^53 and up: too big anyway.
      if (short === 127 && bytes[2] & 0x80) throw closeError(1002, 'a 64-bit length over 2^63');
      if (short === 127) length = Number(bytes.readBigUInt64BE(2));

      // 3. Check the length before waiting for the payload, so no one can make us buffer a
      //    frame we would refuse. Then wait for the whole frame.
      if (length > maxPayload) throw closeError(1009, `a frame of ${length} bytes`);
      const headSize = lengthEnd + (masked ? 4 : 0);
      needed = headSize + length;
      if (bytes.length < needed) break;

      // 4. The payload, copied out and unmasked (XOR with the key, byte by byte); on to the next.
      const payload = Buffer.from(bytes.subarray(headSize, headSize + length));
      if (masked) xor(payload, bytes.subarray(headSize - 4, headSize));
      start += headSize + length;
      needed = 2;
      onFrame({ fin, opcode, masked, payload });
    }
    // What is left (the start of a frame) moves to the front of the buffer.
    if (start === 0) return; // nothing was taken: nothing to move (one byte at a time stays cheap)
    buffer.copyWithin(0, start, filled);
    filled -= start;
  };
}

/** A buffer twice as big (or `size`, if more), holding what `buffer` holds. */
function grown(buffer: Buffer, size: number): Buffer {
  const bigger = Buffer.alloc(Math.max(size, 2 * buffer.length));
  buffer.copy(bigger);
  return bigger;
}

/**
 * The bytes of one frame (step 5, for the sender). A client masks every frame with a fresh
 * random key; a server never masks.
 */
export function encodeFrame(opcode: number, payload: Buffer, mask: boolean, fin = true): Buffer {
  // 5. The head: FIN and the opcode, then the length in the fewest bytes that hold it.
  let head = Buffer.from([0, payload.length]);
  if (payload.length > 65535) {
    head = Buffer.alloc(10);
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(payload.length), 2);
  } else if (payload.length > 125) {
    head = Buffer.alloc(4);
    head[1] = 126;
    head.writeUInt16BE(payload.length, 2);
  }
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (!mask) return Buffer.concat([head, payload]);
  head[1] |= 0x80;
  const key = randomBytes(4); // unpredictable, as RFC 6455 requires (see the README)
  const body = Buffer.from(payload);
  xor(body, key);
  return Buffer.concat([head, key, body]);
}

/** Mask or unmask in place: byte i is XORed with byte i % 4 of the key. */
function xor(bytes: Buffer, key: Buffer) {
  for (let i = 0; i < bytes.length; i++) bytes[i] ^= key[i & 3];
}

/** An error that says which close code answers it. */
export function closeError(code: number, reason: string) {
  return Object.assign(new Error(reason), { code });
}

/** Decode UTF-8 strictly; bytes that are not UTF-8 are close code 1007. */
export function utf8(decoder: TextDecoder, bytes: Buffer, stream: boolean): string {
  try {
    return decoder.decode(bytes, { stream });
  } catch {
    throw closeError(1007, 'invalid UTF-8');
  }
}

/** Close codes a peer may send: 1000-1014 but for 1004-1006, and 3000-4999 for applications. */
export function validCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

/** A frame as it came off the wire, its payload unmasked. */
export type Frame = { fin: boolean; opcode: number; masked: boolean; payload: Buffer };
