// The wire view: a small recording relay between a client and a server, TCP or UDP. It passes
// every byte on unchanged, and a FIN or a reset on to the other side, and records what crossed:
// each chunk as one read returned it (direction, time since the connection began, bytes), and
// the connection's events. `npm start -- 06 --wire` puts it into a demo; `npm run wire` runs it
// by hand; the README diagrams are drawn from what it recorded.
import dgram from 'node:dgram';
import net from 'node:net';

export type Direction = 'to server' | 'to client';

export interface WireEvent {
  /** Which connection (TCP) or which client address (UDP): 1, 2 … in order of arrival. */
  connection: number;
  /** Milliseconds since that connection began. */
  ms: number;
  kind: 'connect' | 'data' | 'fin' | 'reset' | 'close' | 'refused';
  direction?: Direction;
  bytes?: Buffer;
}

export interface Relay {
  /** Its port (0 for a relay on a local socket, which has `path` instead). */
  port: number;
  path?: string;
  protocol: 'tcp' | 'udp';
  events: WireEvent[];
  /**
   * The relay's own port towards the server → the client's port it stands for. The server sees
   * the relay's; a transcript shows the client's, as it would be without the relay.
   */
  aliases: Map<number, number>;
  close(): Promise<void>;
}

export interface RelayOptions {
  /** Where the server is: a host and port, or (TCP only) a local socket's path (lesson 11). */
  to: { host: string; port: number } | { path: string };
  /**
   * Where the relay listens (default 127.0.0.1, port 0: any free one), or (TCP only) the path
   * of a local socket, for a server on one.
   */
  listen?: { host?: string; port?: number; path?: string };
  /** Called with each event as it happens. */
  onEvent?: (event: WireEvent) => void;
}

/** A TCP relay. Each side's FIN is passed on with end(), each reset with resetAndDestroy(). */
export function tcpRelay(options: RelayOptions): Promise<Relay> {
  const events: WireEvent[] = [];
  const aliases = new Map<number, number>();
  const sockets = new Set<net.Socket>();
  const local = 'path' in options.to; // a local socket has no RST: it is closed at once
  let count = 0;
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const connection = ++count;
    const began = performance.now();
    const record = (kind: WireEvent['kind'], direction?: Direction, bytes?: Buffer) => {
      const event = { connection, ms: performance.now() - began, kind, direction, bytes };
      events.push(event);
      options.onEvent?.(event);
    };
    client.pause(); // until the server side is connected
    // The server side reads with onread and pauses after each read until the client has it, so
    // a reset that comes with the last bytes is seen as a reset (libuv 1.51 and older would
    // otherwise report a plain end), exactly as the lessons' clients read (lesson 05).
    const upstream = net.connect({
      ...options.to,
      allowHalfOpen: true,
      onread: {
        buffer: Buffer.alloc(64 * 1024),
        callback: (length, buffer) => {
          const bytes = Buffer.from(buffer.subarray(0, length));
          record('data', 'to client', bytes);
          client.write(bytes, () => upstream.resume());
          return false;
        },
      },
    });
    sockets.add(client).add(upstream);
    upstream.on('connect', () => {
      if (upstream.localPort && client.remotePort)
        aliases.set(upstream.localPort, client.remotePort);
      record('connect');
      client.resume();
    });
    client.on('data', (bytes: Buffer) => {
      record('data', 'to server', bytes);
      if (!upstream.write(bytes)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    // A FIN is passed on with end(). But libuv 1.51 and older (Node 20 and 22) may report a
    // reset that came with the last bytes as a plain end: an empty write asks the socket first
    // (it fails if the other side had reset it; it sends nothing on the wire). A side that has
    // ended its own sending cannot be asked, and its FIN is taken as it is.
    const passFin = (from: net.Socket, to: net.Socket, direction: Direction) => {
      from.on('end', () => {
        const finish = () => {
          record('fin', direction);
          to.end();
        };
        if (from.writableEnded) finish();
        else from.write(Buffer.alloc(0), (err) => err || finish()); // on an error: see below
      });
    };
    passFin(client, upstream, 'to server');
    passFin(upstream, client, 'to client');
    const reset = (from: net.Socket, to: net.Socket, direction: Direction) => {
      from.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED') record('refused');
        else record('reset', direction);
        if (to.destroyed) return;
        if (local) to.destroy();
        else to.resetAndDestroy();
      });
    };
    reset(client, upstream, 'to server');
    reset(upstream, client, 'to client');
    let closed = 0;
    for (const socket of [client, upstream]) {
      socket.on('close', () => {
        sockets.delete(socket);
        if (++closed === 2) record('close');
      });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const at = options.listen?.path;
    server.listen(
      at
        ? { path: at }
        : { host: options.listen?.host ?? '127.0.0.1', port: options.listen?.port ?? 0 },
      () => {
        const { port } = at ? { port: 0 } : (server.address() as net.AddressInfo);
        resolve({
          port,
          path: at,
          protocol: 'tcp',
          events,
          aliases,
          close: () =>
            new Promise<void>((done) => {
              for (const socket of sockets) socket.destroy();
              server.close(() => done());
            }),
        });
      },
    );
  });
}

/** A UDP relay: one socket towards the server for each client address, so replies find it. */
export function udpRelay(options: RelayOptions): Promise<Relay> {
  const to = options.to as { host: string; port: number }; // UDP: a host and port only
  const events: WireEvent[] = [];
  const aliases = new Map<number, number>();
  const type = to.host.includes(':') ? 'udp6' : 'udp4';
  const relay = dgram.createSocket(type);
  const clients = new Map<string, { upstream: dgram.Socket; connection: number; began: number }>();
  relay.on('message', (bytes, from) => {
    const key = `${from.address}:${from.port}`;
    let client = clients.get(key);
    if (!client) {
      const upstream = dgram.createSocket(type);
      upstream.on('listening', () => aliases.set(upstream.address().port, from.port));
      client = { upstream, connection: clients.size + 1, began: performance.now() };
      const { connection, began } = client;
      clients.set(key, client);
      upstream.on('message', (reply) => {
        const event: WireEvent = {
          connection,
          ms: performance.now() - began,
          kind: 'data',
          direction: 'to client',
          bytes: reply,
        };
        events.push(event);
        options.onEvent?.(event);
        relay.send(reply, from.port, from.address);
      });
      upstream.on('error', () => {}); // an ICMP "port unreachable": UDP has no connection to fail
    }
    const event: WireEvent = {
      connection: client.connection,
      ms: performance.now() - client.began,
      kind: 'data',
      direction: 'to server',
      bytes,
    };
    events.push(event);
    options.onEvent?.(event);
    client.upstream.send(bytes, to.port, to.host);
  });
  return new Promise((resolve, reject) => {
    relay.once('error', reject);
    relay.bind(options.listen?.port ?? 0, options.listen?.host ?? '127.0.0.1', () => {
      resolve({
        port: relay.address().port,
        protocol: 'udp',
        events,
        aliases,
        close: async () => {
          for (const { upstream } of clients.values()) upstream.close();
          await new Promise<void>((done) => relay.close(() => done()));
        },
      });
    });
  });
}

/** The bytes as a learner reads them: text where printable, \n shown, hex otherwise, shortened. */
export function showBytes(bytes: Buffer, max = 60): string {
  const text = bytes.toString('utf8');
  // Text: valid UTF-8 with no control characters but tab, newline and carriage return.
  const control = [...bytes].some(
    (byte) => (byte < 0x20 && ![9, 10, 13].includes(byte)) || byte === 0x7f,
  );
  const printable = !text.includes('\ufffd') && !control;
  if (printable) {
    const shown = JSON.stringify(text).slice(1, -1);
    return shown.length > max ? `'${shown.slice(0, max)}' … (${bytes.length} bytes)` : `'${shown}'`;
  }
  const hex = bytes
    .subarray(0, Math.floor(max / 3))
    .toString('hex')
    .replace(/(..)/g, '$1 ')
    .trim();
  return bytes.length > Math.floor(max / 3) ? `${hex} … (${bytes.length} bytes)` : hex;
}

/** One event as a line of the wire view. */
export function describe(event: WireEvent, protocol: 'tcp' | 'udp'): string {
  const time = `${event.ms.toFixed(1).padStart(7)} ms`;
  const who = `#${event.connection}`;
  const arrow = event.direction === 'to server' ? 'client → server' : 'server → client';
  switch (event.kind) {
    case 'connect':
      return `${who} ${time}  connected (three-way handshake done)`;
    case 'data': {
      const what = protocol === 'udp' ? 'datagram' : 'chunk';
      const size = event.bytes?.length ?? 0;
      const bytes = `${size} byte${size === 1 ? '' : 's'}`;
      return `${who} ${time}  ${arrow}  ${what} of ${bytes}: ${showBytes(event.bytes ?? Buffer.alloc(0))}`;
    }
    case 'fin':
      return `${who} ${time}  ${arrow}  FIN (no more data this way: end of stream)`;
    case 'reset':
      return `${who} ${time}  ${arrow}  RST (the connection was reset)`;
    case 'refused':
      return `${who} ${time}  the server refused the connection (nothing listening)`;
    case 'close':
      return `${who} ${time}  closed`;
  }
}
