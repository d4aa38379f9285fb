// Small helpers for the tests (this file has no tests of its own).
import dgram from 'node:dgram';
import net from 'node:net';
import { normalise } from '../scripts/lib/demo.ts';

/** A UDP port that was free a moment ago (bound to port 0, then released). */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/** A TCP port with nothing listening on it (listened on port 0, then closed). */
export async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Lines with the server's port shown as `articlePort` and client ports as 50001, 50002 ... */
export function norm(lines: string[], realPort: number, articlePort: number): string[] {
  return normalise(lines.join('\n'), realPort, articlePort).split('\n');
}

/** A throwaway TCP server for faking the other side; resolves with its port. */
export async function fakeServer(onConnection: (socket: net.Socket) => void) {
  const server = net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Connect a raw TCP client. */
export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}
