import type { Demo } from '../lib/demo.ts';

export const demo: Demo = {
  lesson: '00-basics',
  port: 0,
  runs: [
    {
      file: 'ip.ts',
      args: ['192.168.1.1', '10.0.0.8', '127.0.0.1', '8.8.8.8', '224.0.0.251', '255.255.255.255'],
    },
    { file: 'ip.ts', args: ['::1', 'fe80::1', 'fd12:3456::1', 'ff02::1', '2606:4700::1111'] },
  ],
};
