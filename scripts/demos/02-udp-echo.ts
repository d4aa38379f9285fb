import type { Demo } from '../lib/demo.ts';

export const demo: Demo = {
  lesson: '02-udp-echo',
  port: 8080,
  server: { file: 'server.ts' },
  runs: [{ file: 'client.ts', serverDone: /^replied to .*: nice to meet you$/ }],
};
