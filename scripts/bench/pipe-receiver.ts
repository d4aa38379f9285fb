// The file-transfer baseline's receiver: connect, and pipeline the socket into a file.
import { createWriteStream } from 'node:fs';
import net from 'node:net';
import { pipeline } from 'node:stream/promises';

const [port, file] = process.argv.slice(2);
await pipeline(net.connect(Number(port), '127.0.0.1'), createWriteStream(file));
