/**
 * @title The network of an address (CIDR 网络地址与广播地址)
 * @article 000 "ip地址", "ip和ip地址的分类"
 * @imported-by ip.ts
 * @run node lessons/00-basics/ip.ts 192.168.1.1/24 8.8.8.8 224.0.0.251 ::1
 * @run npx tsx lessons/00-basics/ip.ts 192.168.1.1/24 8.8.8.8 224.0.0.251 ::1
 * @run deno run lessons/00-basics/ip.ts 192.168.1.1/24 8.8.8.8 224.0.0.251 ::1
 * @run bun lessons/00-basics/ip.ts 192.168.1.1/24 8.8.8.8 224.0.0.251 ::1
 *
 * CIDR arithmetic, imported by ip.ts: an address is a number, and its prefix says how many of its
 * leading bits name the network. Keep those bits and zero the rest: that is the network.
 */
import { isIP } from 'node:net';

/** The network of address/bits: its first `bits` bits, with every later bit set to 0. */
export function describeNetwork(address: string, bits: number): string {
  if (isIP(address) === 6) {
    const hostBits = (1n << BigInt(128 - bits)) - 1n;
    const network = toBigInt(address) & ~hostBits;
    const groups = [112, 96, 80, 64, 48, 32, 16, 0].map((shift) =>
      ((network >> BigInt(shift)) & 0xffffn).toString(16),
    );
    // In the short standard form (RFC 5952): fe80:0:0:0:0:0:0:0 is written fe80::
    return `network ${shortIPv6(groups.join(':'))}/${bits}`;
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const network = (toNumber(address) & mask) >>> 0;
  const cidr = `${toDotted(network)}/${bits}`;
  if (bits === 32) return `network ${cidr}, this one address only`;
  if (bits === 31) return `network ${cidr}, 2 hosts on a point-to-point link, no broadcast`;
  // The first address names the network and the last one is its broadcast: neither is a host.
  const broadcast = toDotted((network | ~mask) >>> 0);
  return `network ${cidr}, broadcast ${broadcast}, ${2 ** (32 - bits) - 2} hosts`;
}

/** An IPv4 address as one 32-bit number: 192.168.1.1 is 192·256³ + 168·256² + 1·256 + 1. */
export function toNumber(ipv4: string): number {
  return ipv4.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** The other way: a 32-bit number as four dotted bytes, highest first. */
function toDotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

/** An IPv6 address in its short standard form, as URL writes a host: [fe80:0:0::1] → fe80::1. */
function shortIPv6(ipv6: string): string {
  const host = new URL(`http://[${ipv6}]`).hostname; // with its brackets
  return host.slice(1, -1);
}

/** An IPv6 address as one 128-bit number; URL first turns an IPv4 tail (::ffff:1.2.3.4) to hex. */
function toBigInt(ipv6: string): bigint {
  const short = shortIPv6(ipv6.split('%')[0]); // without a zone such as %eth0
  const [head, tail] = short.split('::'); // '::' stands for as many zero groups as are missing
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = Array(8 - left.length - right.length).fill('0');
  const groups = [...left, ...zeros, ...right];
  return groups.reduce((sum, group) => (sum << 16n) | BigInt(`0x${group}`), 0n);
}
