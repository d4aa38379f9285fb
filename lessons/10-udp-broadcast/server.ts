/**
 * @title Broadcast and multicast receiver (广播和多播的接收方)
 * @article 000 "ip和ip地址的分类"
 * @run node lessons/10-udp-broadcast/server.ts [--port 8080] [--group 239.255.0.1] [--interface 127.0.0.1]
 * @run npx tsx lessons/10-udp-broadcast/server.ts [--port 8080] [--group 239.255.0.1] [--interface 127.0.0.1]
 * @run deno run --allow-net --allow-sys=networkInterfaces lessons/10-udp-broadcast/server.ts [--port 8080] [--group 239.255.0.1] [--interface 127.0.0.1]
 * @run bun lessons/10-udp-broadcast/server.ts [--port 8080] [--group 239.255.0.1] [--interface 127.0.0.1]
 *
 * Binds a UDP port on every address of this machine and prints each datagram that arrives:
 * sent to this machine alone (单播), to every host on the network (广播), or, with --group, to
 * a multicast group (多播) that it joins on one interface.
 */
import dgram from 'node:dgram';
import { isIPv4 } from 'node:net';
import {
  exitWith,
  fail,
  hostPort,
  onShutdown,
  parseCli,
  usageError,
} from '../../shared/helpers.ts';
import { broadcastNetworks, isGroup } from './addresses.ts';

const usage =
  'server.ts [--host 0.0.0.0] [--port 8080] [--group 239.255.0.1] [--interface ADDRESS]';
const args = parseCli(usage, 8080, {
  host: { type: 'string', default: '0.0.0.0' },
  group: { type: 'string' },
  interface: { type: 'string' },
});
const { group, interface: via } = args;
if (group !== undefined && !isGroup(group)) {
  usageError(`'${group}' is not a multicast group: use 224.0.0.0 to 239.255.255.255`, usage);
}
if (via !== undefined && !isIPv4(via)) {
  usageError(`--interface takes this machine's IPv4 address on it, not '${via}'`, usage);
}

// 1. Create a UDP socket (创建套接字). reuseAddr is SO_REUSEADDR: a second receiver of the same
//    group on this machine can bind the same port, and each gets its own copy of the group's
//    datagrams.
const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
socket.on('error', (err) => fail(err, args.host, args.port));

// 2. Bind (绑定) the port on every address, 0.0.0.0 (the article's ''). A datagram goes to the
//    socket bound to its destination address: a broadcast is addressed to 255.255.255.255 or
//    x.x.x.255, a group's datagram to the group, never to 127.0.0.1 or 192.168.1.20.
// Pitfall: bound to 127.0.0.1 (this collection's usual default) it would hear neither.
socket.bind(args.port, args.host, () => {
  // 3. Join the group (IP_ADD_MEMBERSHIP) on one interface, before we say we are ready. The OS
  //    announces the membership on that interface's network (IGMP), so that switches and
  //    routers that listen for it bring the group's traffic here, and takes the group's
  //    datagrams that come in by that interface. Without --interface the OS picks one: the
  //    interface its routing table uses for the group.
  if (group !== undefined && !join(group)) return;
  const { address, port } = socket.address();
  if (group !== undefined) {
    console.log(`joined ${group} on ${via ?? 'the interface the routing table picks'}`);
  } else if (address === '0.0.0.0') {
    // To receive a broadcast, nothing is needed but the port: SO_BROADCAST is for senders.
    const subnets = broadcastNetworks().map((each) => `${each.broadcast} (${each.name})`);
    console.log(`broadcasts reach it at ${['255.255.255.255', ...subnets].join(', ')}`);
  }
  if (address !== '0.0.0.0' && address !== group) {
    console.log(`only datagrams to ${address} arrive: bind 0.0.0.0 for broadcasts and groups`);
  }
  // The last line, once everything is in place, says it is ready: start senders after it.
  console.log(`bound to ${hostPort(address, port)}`); // e.g. bound to 0.0.0.0:8080
});

// 4. Receive (recvfrom): one 'message' per datagram, unicast, broadcast or multicast alike. The
//    sender's address says who sent it; nothing here says to which address it was sent.
socket.on('message', (data, sender) => {
  console.log(`${hostPort(sender.address, sender.port)} sent: ${data.toString('utf8')}`);
});

// 5. Leave the group (IP_DROP_MEMBERSHIP) and close the socket (关闭套接字) on Ctrl+C. Closing
//    alone would leave it too; saying so keeps the steps in view.
onShutdown(() => {
  if (group !== undefined) socket.dropMembership(group, via);
  socket.close();
});

/** addMembership() throws if the OS refuses; the code says why (it differs between runtimes). */
function join(address: string): boolean {
  try {
    socket.addMembership(address, via);
    return true;
  } catch (err) {
    const { code } = err as NodeJS.ErrnoException;
    if (via === undefined) {
      const fix = 'the OS has no route to pick an interface by; name one with --interface';
      exitWith(1, `error: could not join ${address} (${code}): ${fix}`);
    } else {
      const hint = 'ip addr (ipconfig on Windows) lists them';
      exitWith(
        1,
        `error: could not join ${address} on ${via} (${code}): not an address here? ${hint}`,
      );
    }
    return false;
  }
}
