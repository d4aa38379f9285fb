import type { Demo } from '../lib/demo.ts';

export const demo: Demo = {
  lesson: '12-websocket-chat',
  port: 8080,
  server: { file: 'server.ts' },
  runs: [
    {
      file: 'client.ts',
      background: true,
      serverDone: /101 Switching Protocols$/,
      closeDone: /disconnected \(1000\)$/,
    },
    { file: 'client.ts', stdin: ['hello', '你好'], serverDone: /disconnected \(1000\)$/ },
  ],
};
