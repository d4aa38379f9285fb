import type { Demo } from '../lib/demo.ts';

export const demo: Demo = {
  lesson: '06-remote-shell',
  port: 8000,
  server: { file: 'server.ts' },
  runs: [
    {
      file: 'client.ts',
      stdin: ['echo hello 你好', 'cd .', 'echo oops>&2', 'exit'],
      serverDone: /disconnected$/,
    },
    { file: 'sticky.ts', alone: true },
  ],
};
