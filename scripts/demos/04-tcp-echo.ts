import type { Demo } from '../lib/demo.ts';

export const demo: Demo = {
  lesson: '04-tcp-echo',
  port: 6969,
  server: { file: 'server.ts' },
  runs: [{ file: 'client.ts', stdin: ['hello', 'socket 你好', 'q'], serverDone: /disconnected$/ }],
};
