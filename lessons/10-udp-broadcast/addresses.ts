/**
 * @title Who an address reaches (单播、多播还是广播)
 * @article 000 "ip和ip地址的分类"
 * @imported-by server.ts, client.ts
 * @run node lessons/10-udp-broadcast/client.ts [--host 239.255.0.1] [--interface 127.0.0.1] [--broadcast]
 * @run npx tsx lessons/10-udp-broadcast/client.ts [--host 239.255.0.1] [--interface 127.0.0.1] [--broadcast]
 * @run deno run --allow-net --allow-sys=networkInterfaces lessons/10-udp-broadcast/client.ts [--host 239.255.0.1] [--interface 127.0.0.1] [--broadcast]
 * @run bun lessons/10-udp-broadcast/client.ts [--host 239.255.0.1] [--interface 127.0.0.1] [--broadcast]
 *
 * The arithmetic of article 000's address classes, imported by server.ts and client.ts: a class D
 * address (224.0.0.0/4) names a multicast group, 255.255.255.255 is every host on the local
 * network, and the last address of each network (its host bits all 1) is that network's
 * broadcast address.
 */
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';

/** One network this machine is on, and the address that reaches every host on it. */
export interface Network {
  name: string; // the interface: eth0, en0, 以太网 …
  network: string; // the network, with its prefix: 192.168.1.0/24
  broadcast: string; // 192.168.1.255
}

/** A class D address: its first four bits are 1110, so 224.0.0.0 to 239.255.255.255. */
export function isGroup(address: string): boolean {
  // 1. Class D (多播): the address as one number, shifted right by 28, leaves its first 4 bits.
  return isIPv4(address) && toNumber(address) >>> 28 === 0b1110;
}

/**
 * Every IPv4 network of this machine that has a broadcast address. Keep the network's bits (the
 * netmask's ones) and set every host bit: (address | ~netmask). Loopback is left out: on most
 * systems it carries no broadcast. A /31 or /32 has no host bits to spare for one.
 */
export function broadcastNetworks(): Network[] {
  const found: Network[] = [];
  // 2. Each IPv4 address of each interface (网卡), with its netmask, as ifconfig lists them.
  for (const [name, entries] of Object.entries(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family !== 'IPv4' || entry.internal || !entry.cidr) continue;
      const mask = toNumber(entry.netmask);
      if (mask >= 0xfffffffe) continue;
      // 3. The network keeps the mask's bits (address & mask); its broadcast address sets every
      //    other bit to 1 (address | ~mask).
      const address = toNumber(entry.address);
      const network = `${toDotted((address & mask) >>> 0)}/${entry.cidr.split('/')[1]}`;
      found.push({ name, network, broadcast: toDotted((address | ~mask) >>> 0) });
    }
  }
  return found;
}

/** Who a datagram to `address` reaches, in words: the sender prints it once. */
export function reach(address: string): string {
  // 4. The kind of address decides who receives: a group, everyone, or one host.
  if (isGroup(address)) return 'a multicast group: every host that joined it';
  if (address === '255.255.255.255') return 'a broadcast: every host on the local network';
  const network = broadcastNetworks().find((each) => each.broadcast === address);
  if (network) return `a broadcast: every host on ${network.network} (${network.name})`;
  return 'one host (unicast)';
}

/** An IPv4 address as one 32-bit number: 192.168.1.1 is 192·256³ + 168·256² + 1·256 + 1. */
function toNumber(ipv4: string): number {
  return ipv4.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** The other way: a 32-bit number as four dotted bytes, highest first. */
function toDotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}
