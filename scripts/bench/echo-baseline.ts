// The benchmark's baseline echo server: the least code that echoes (no logging, no changes).
import net from 'node:net';

const server = net.createServer((socket) => {
  socket.on('error', () => {});
  socket.pipe(socket);
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as net.AddressInfo;
  console.log(`listening on 127.0.0.1:${port}`);
});
process.once('SIGINT', () => process.exit(0));
process.once('SIGTERM', () => process.exit(0));
