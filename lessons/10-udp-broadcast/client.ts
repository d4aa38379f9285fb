/**
 * @title Broadcast and multicast sender (广播和多播的发送方)
 * @article 000 "ip和ip地址的分类"
 * @run node lessons/10-udp-broadcast/client.ts [--host 239.255.0.1] [--interface 127.0.0.1] [--broadcast]
 * @run npx tsx lessons/10-udp-broadcast/client.ts [--host 239.255.0.1] [--interface 127.0.0.1] [--broadcast]
 * @run deno run --allow-net --allow-sys=networkInterfaces lessons/10-udp-broadcast/client.ts [--host 239.255.0.1] [--interface 127.0.0.1] [--broadcast]
 * @run bun lessons/10-udp-broadcast/client.ts [--host 239.255.0.1] [--interface 127.0.0.1] [--broadcast]
 *
 * Sends each typed line, until `exit`, as one datagram to --host: one machine (单播), a
 * broadcast address with --broadcast (广播), or a multicast group (多播), with its TTL, its
 * loopback and the interface it leaves by.
 */
import dgram from 'node:dgram';
import { writeSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import {
  exitWith,
  fail,
  hostPort,
  parseCli,
  stdinLines,
  usageError,
} from '../../shared/helpers.ts';
import { isGroup, reach } from './addresses.ts';

const usage =
  'client.ts [--host 127.0.0.1] [--port 8080] [--broadcast] [--interface ADDRESS]' +
  ' [--ttl 1] [--no-loop]';
const args = parseCli(usage, 8080, {
  broadcast: { type: 'boolean', default: false },
  interface: { type: 'string' },
  ttl: { type: 'string', default: '1' },
  'no-loop': { type: 'boolean', default: false },
});
const ttl = checkedTtl();

// 1. Create a UDP socket (创建套接字).
const socket = dgram.createSocket('udp4');
socket.on('error', (err) => fail(err, args.host, args.port));

// 2. Bind a free port, which the OS picks: the options of step 3 need a bound socket (an unbound
//    one throws EBADF). 01's sender let its first send() bind it.
await new Promise<void>((resolve) => socket.bind(0, resolve));

// 3. The sender's options (setsockopt). They, and the address, decide who receives.
//    SO_BROADCAST: without it a datagram to a broadcast address is refused (EACCES), so that no
//    program floods its network by mistake.
socket.setBroadcast(args.broadcast);
//    IP_MULTICAST_TTL: how many routers a group's datagram may cross. 1 (the default) keeps it
//    on the local network; 0 keeps it on this machine.
socket.setMulticastTTL(ttl);
//    IP_MULTICAST_LOOP: whether receivers on this machine get a copy too (on by default).
socket.setMulticastLoopback(!args['no-loop']);
//    IP_MULTICAST_IF: which interface a group's datagram leaves by. Without it the routing
//    table decides, which on a laptop with Wi-Fi and a VPN may be the wrong one.
if (args.interface !== undefined) setInterface(args.interface);

const { address, port } = socket.address();
const destination = hostPort(args.host, args.port);
const kind = reach(args.host);
console.log(`sending from ${hostPort(address, port)} to ${destination}, ${kind}`);
if (isGroup(args.host)) {
  const loop = args['no-loop'] ? 'off' : 'on';
  const via = args.interface ?? 'the one the routing table picks';
  console.log(`ttl ${ttl}, loopback ${loop}, interface ${via}`);
}

// 4. Send (sendto) each typed line as one datagram, until `exit`. Waiting for each send to finish
//    keeps them in order and stops at the first refusal.
try {
  for await (const line of stdinLines('exit')) await send(line);
  // 5. Close the socket (关闭套接字).
  socket.close();
} catch (err) {
  sendFailed(err as NodeJS.ErrnoException);
}

/** The --ttl as a number; a bad --ttl, --interface or an IPv6 --host is a usage error (exit 2). */
function checkedTtl(): number {
  if (!/^\d+$/.test(args.ttl) || Number(args.ttl) > 255) {
    usageError(`invalid --ttl '${args.ttl}': 0 to 255`, usage);
  }
  if (args.interface !== undefined && !isIPv4(args.interface)) {
    usageError(
      `--interface takes this machine's IPv4 address on it, not '${args.interface}'`,
      usage,
    );
  }
  if (isIPv6(args.host)) usageError('IPv6 has no broadcast; this lesson speaks IPv4', usage);
  return Number(args.ttl);
}

function send(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(text, args.port, args.host, (err) => (err ? reject(err) : resolve()));
  });
}

/** setMulticastInterface() throws if the address is not one of this machine's. */
function setInterface(local: string) {
  try {
    socket.setMulticastInterface(local);
  } catch (err) {
    // Nothing is on stdout yet, so there is nothing to wait for: say why and stop here.
    const { code } = err as NodeJS.ErrnoException;
    writeSync(2, `error: cannot send from --interface ${local} (${code}): not an address here?\n`);
    process.exit(1);
  }
}

/** Deno reports every failed send as UNKNOWN: what the address is tells the first case apart. */
function sendFailed(err: NodeJS.ErrnoException) {
  if (err.code === 'EACCES' || (kind.startsWith('a broadcast') && !args.broadcast)) {
    const fix = 'needs --broadcast (SO_BROADCAST)';
    exitWith(1, `error: ${args.host} is a broadcast address: sending to it ${fix}`);
  } else if (err.code === 'ENETUNREACH') {
    exitWith(1, `error: no route to ${args.host} (ENETUNREACH): no network here leads there`);
  } else {
    fail(err, args.host, args.port);
  }
}
