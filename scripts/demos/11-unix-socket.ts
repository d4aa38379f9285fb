import type { Demo } from '../lib/demo.ts';

export const demo: Demo = {
  lesson: '11-unix-socket',
  port: 0, // no port: a local socket has a path, shown as the default one of user 1000
  path: '/tmp/socket-lessons-1000/echo.sock',
  server: { file: 'server.ts' },
  runs: [{ file: 'client.ts', stdin: ['hello', 'socket 你好', 'q'], serverDone: /disconnected$/ }],
};
