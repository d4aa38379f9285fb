/**
 * @title Messages, pings and closing (WebSocket 消息与关闭)
 * @article 003 "四、使用 epoll 实现即时聊天"
 * @imported-by server.ts, client.ts
 * @run node lessons/12-websocket-chat/server.ts [--port 8080]
 * @run npx tsx lessons/12-websocket-chat/server.ts [--port 8080]
 * @run deno run --allow-net --allow-read lessons/12-websocket-chat/server.ts [--port 8080]
 * @run bun lessons/12-websocket-chat/server.ts [--port 8080]
 *
 * One WebSocket after its handshake, imported by server.ts and client.ts: frames (frames.ts)
 * become text messages, pings get pongs, and either side can close with a code. A peer that
 * breaks a rule gets a close frame that says which rule, and the connection ends.
 */
import type { Socket } from 'node:net';
import { TextDecoder } from 'node:util';
import { closeError, encodeFrame, type Frame, frameReader, OP, utf8, validCode } from './frames.ts';

/** How long a closing connection may stay open before we cut it (a peer that never closes). */
const CLOSE_WAIT_MS = 5000;

/** Speak WebSocket on `socket`; `early` holds bytes that came with the handshake. */
export function webSocket(socket: Socket, options: Options, early: Buffer) {
  const { server, maxMessage, onText, onClose } = options;
  let message: { binary: boolean; size: number; text: string; decoder: TextDecoder } | undefined;
  let closeSent = false; // our close frame has gone: we send nothing more
  let done = false; // we read no more frames: a close came, or the peer broke a rule
  let code = 1006; // how it ended: 1006 means the TCP connection went without a close frame
  let reason = 'no close frame';
  // One read may hold frames after a close: none of them is taken (done).
  const read = frameReader(maxMessage, (frame) => done || onFrame(frame));

  // 1. Every read goes to the frame reader; a frame that breaks a rule closes with its code.
  socket.on('data', receive).on('drain', () => socket.resume()); // after pongs waited (step 3)
  socket.on('close', () => onClose(code, reason));
  // The bytes that came with the handshake go first, once the caller has set up (a welcome
  // sent before any early message is relayed); nextTick runs before any later read.
  process.nextTick(receive, early);

  function receive(chunk: Buffer) {
    if (done) return; // after a close, whatever else comes is read and dropped
    try {
      read(chunk);
    } catch (err) {
      fail((err as Error & { code?: number }).code ?? 1011, (err as Error).message);
    }
  }

  function onFrame(frame: Frame) {
    // 2. The masking rule: every frame from a browser (a client) is masked, so that a page's
    //    script cannot choose the bytes that cross a proxy; no frame from a server is.
    if (frame.masked !== server) throw closeError(1002, server ? 'unmasked frame' : 'masked frame');

    // 3. Control frames may come between the fragments of a message.
    //    A pong answers each ping; a peer that sends pings and reads no pongs is read no more
    //    until they have gone ('drain', step 1).
    if (frame.opcode === OP.ping && !send(OP.pong, frame.payload)) socket.pause();
    if (frame.opcode === OP.ping) return;
    if (frame.opcode === OP.pong) return; // an answer to a ping we never sent: nothing to do
    if (frame.opcode === OP.close) return closing(frame.payload);

    // 4. A message is one frame, or a first frame and continuations up to the one with FIN.
    if (frame.opcode === OP.continuation) {
      if (!message) throw closeError(1002, 'a continuation with no message to continue');
    } else if (frame.opcode === OP.text || frame.opcode === OP.binary) {
      if (message) throw closeError(1002, 'a new message inside a fragmented one');
      const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
      message = { binary: frame.opcode === OP.binary, size: 0, text: '', decoder };
    } else {
      throw closeError(1002, `unknown opcode ${frame.opcode}`);
    }
    if (message.binary) throw closeError(1003, 'text only');
    message.size += frame.payload.length;
    if (message.size > maxMessage) throw closeError(1009, `a message over ${maxMessage} bytes`);

    // 5. Text must be UTF-8. A character may be cut between two fragments: the decoder keeps
    //    its first bytes (stream: true) until the next one, and throws on bytes that are not.
    message.text += utf8(message.decoder, frame.payload, !frame.fin);
    if (!frame.fin) return;
    const text = message.text;
    message = undefined;
    onText(text);
  }

  // 6. The closing handshake: a close frame (a 2-byte code, then a UTF-8 reason) is answered with
  //    one, then the server ends the TCP connection.
  function closing(payload: Buffer) {
    if (payload.length === 1) throw closeError(1002, 'a 1-byte close frame');
    const said = payload.length >= 2 ? payload.readUInt16BE(0) : 1005; // 1005: it gave no code
    if (payload.length >= 2 && !validCode(said)) throw closeError(1002, `close code ${said}`);
    reason = utf8(new TextDecoder('utf-8', { fatal: true }), payload.subarray(2), false);
    code = said;
    done = true;
    send(OP.close, payload.subarray(0, 2)); // the echo, unless we closed first
    finish();
  }

  /** The peer broke a rule: say which in a close frame, and read no more. */
  function fail(failCode: number, failReason: string) {
    code = failCode;
    reason = failReason;
    done = true;
    close(failCode, failReason);
    finish();
  }

  /** Send a close frame: its code, then the reason (up to 123 bytes: ours are all short). */
  function close(closeCode = 1000, closeReason = '') {
    const code16 = Buffer.of(closeCode >> 8, closeCode & 0xff);
    send(OP.close, Buffer.concat([code16, Buffer.from(closeReason)]));
  }

  /** One frame, unless our close has gone. False (from write()) means: wait for 'drain'. */
  function send(opcode: number, payload: Buffer): boolean {
    return write(encodeFrame(opcode, payload, !server), opcode === OP.close);
  }

  /** A frame's bytes (a broadcast is encoded once, server.ts step 7), unless our close has gone. */
  function write(frame: Buffer, isClose = false): boolean {
    if (closeSent || !socket.writable) return true; // nothing was queued: nothing to wait for
    closeSent = isClose;
    return socket.write(frame);
  }

  /** Both close frames have crossed (or one, after a broken rule): the server ends TCP first. */
  function finish() {
    if (server) socket.end();
    const timer = setTimeout(() => socket.destroy(), CLOSE_WAIT_MS);
    socket.once('close', () => clearTimeout(timer));
  }

  // `over`: a close frame has come, or the peer broke a rule; the conversation is over.
  const sendText = (text: string) => send(OP.text, Buffer.from(text));
  return { send: sendText, write, close, over: () => done };
}

/** How server.ts and client.ts use a WebSocket. */
export interface Options {
  /** A server reads masked frames and sends unmasked ones; a client the other way round. */
  server: boolean;
  /** The longest message (and frame) we take; more gets close code 1009. */
  maxMessage: number;
  onText: (text: string) => void;
  /** Once, when the TCP connection has closed: how it ended (1006: without a close frame). */
  onClose: (code: number, reason: string) => void;
}
