import type { Demo } from '../lib/demo.ts';

export const demo: Demo = {
  lesson: '01-udp-send',
  port: 8080,
  server: { file: 'server.ts' },
  runs: [
    { file: 'client.ts', args: ['--message', 'hahaha'], serverDone: /sent: hahaha$/ },
    { file: 'client.ts', stdin: ['hello', '你好', 'exit'], serverDone: /sent: 你好$/ },
  ],
};
