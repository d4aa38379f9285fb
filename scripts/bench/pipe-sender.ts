// The file-transfer baseline's sender: the plainest correct Node code. Each connection gets the
// file, through stream.pipeline.   pipe-sender.ts --port 0 --file FILE
import { createReadStream } from 'node:fs';
import net from 'node:net';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, file: { type: 'string' } } });
const server = net.createServer((socket) => {
  console.log('connected'); // the benchmark starts its clock here, as for the lessons
  pipeline(createReadStream(String(values.file)), socket).catch(() => socket.destroy());
});
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as net.AddressInfo).port}`);
});
process.once('SIGINT', () => process.exit(0));
process.once('SIGTERM', () => process.exit(0));
