import type { Demo } from '../lib/demo.ts';

export const demo: Demo = {
  lesson: '03-tcp-hello',
  port: 8080,
  server: { file: 'server.ts' },
  runs: [{ file: 'client.ts', serverDone: /disconnected$/ }],
};
