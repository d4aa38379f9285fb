import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Demo } from '../lib/demo.ts';

export const demo: Demo = {
  lesson: '05-file-download',
  port: 7890,
  server: { file: 'server.ts' },
  // 80 lines of 13 bytes: 1040 bytes, more than the article's one recv(1024) can take.
  setup: (dir) => writeFileSync(path.join(dir, 'hello.txt'), 'hello 你好\n'.repeat(80)),
  runs: [
    { file: 'client.ts', args: ['--file', 'hello.txt'], serverDone: /disconnected$/ },
    { file: 'client.ts', args: ['--file', 'missing.txt'], serverDone: /disconnected$/ },
    { file: 'client.ts', args: ['--file', '../secret.txt'], serverDone: /disconnected$/ },
  ],
};
