import type { Demo } from '../lib/demo.ts';

export const demo: Demo = {
  lesson: '08-chat',
  port: 8080,
  server: { file: 'server.ts' },
  runs: [
    { serverStdin: ['anyone there?'], serverDone: /nobody got that line\)$/ },
    { file: 'client.ts', background: true, serverDone: /connected$/, closeDone: /disconnected$/ },
    { file: 'client.ts', stdin: ['hello', '你好'], serverDone: /disconnected$/ },
    { serverStdin: ['thanks for coming'], serverDone: /\(sent to 1 client\)$/ },
  ],
};
