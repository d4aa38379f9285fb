import type { Demo } from '../lib/demo.ts';

export const demo: Demo = {
  lesson: '09-http-server',
  port: 8080,
  server: { file: 'server.ts' },
  runs: [
    { file: 'client.ts', args: ['--path', '/go'], serverDone: /disconnected$/ },
    { file: 'client.ts', args: ['--path', '/nothing'], serverDone: /disconnected$/ },
  ],
};
