import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Demo } from '../lib/demo.ts';

export const demo: Demo = {
  lesson: '07-ftp-get',
  port: 9999,
  server: { file: 'server.ts' },
  setup: (dir) => writeFileSync(path.join(dir, 'hello.txt'), 'hello 你好\n'.repeat(80)),
  runs: [
    {
      file: 'client.ts',
      stdin: ['get hello.txt', 'get missing.txt', 'put hello.txt', 'exit'],
      serverDone: /disconnected$/,
    },
  ],
};
