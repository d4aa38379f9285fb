import type { Demo } from '../lib/demo.ts';

// The demo stays on this machine: the receiver joins the group on the loopback interface and the
// sender sends the group's datagrams out of it. A broadcast needs a real network (loopback has no
// broadcast on most systems), so the tests build one in a network namespace instead.
export const demo: Demo = {
  lesson: '10-udp-broadcast',
  port: 8080,
  server: { file: 'server.ts', args: ['--group', '239.255.0.1', '--interface', '127.0.0.1'] },
  runs: [
    {
      file: 'client.ts',
      args: ['--host', '239.255.0.1', '--interface', '127.0.0.1'],
      stdin: ['hello group', '你好', 'exit'],
      serverDone: /sent: 你好$/,
    },
    { file: 'client.ts', stdin: ['just you', 'exit'], serverDone: /sent: just you$/ },
  ],
  // The wire view's relay stands in for the server at one unicast address. A group's datagram
  // goes to the group's address, and the relay, which has not joined it, would never see it.
  noRelay: 'multicast goes to the group, not to an address a relay can stand in for',
};
