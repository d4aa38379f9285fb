/**
 * @title The network of an address (CIDR 网络地址与广播地址)
 * @article 000 "ip地址", "ip和ip地址的分类"
 * @run node lessons/00-basics/ip.ts 192.168.1.1/24 8.8.8.8 224.0.0.251 ::1
 * @run npx tsx lessons/00-basics/ip.ts 192.168.1.1/24 8.8.8.8 224.0.0.251 ::1
 * @run deno run lessons/00-basics/ip.ts 192.168.1.1/24 8.8.8.8 224.0.0.251 ::1
 * @run bun lessons/00-basics/ip.ts 192.168.1.1/24 8.8.8.8 224.0.0.251 ::1
 *
 * CIDR arithmetic, imported by ip.ts: an address is a number, and its prefix says how many of its
 * leading bits name the network. Keep those bits and zero the rest: that is the network.
 */
import { isIP } from 'node:net';

/** An IPv4 address as one 32-bit number: 192.168.1.1 is 192·256³ + 168·256² + 1·256 + 1. */
export const toNumber = (ipv4: string) =>
  ipv4.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
const toDotted = (value: number) =>
  [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');

/** The network of address/bits: its first `bits` bits, with every later bit set to 0. */
export function describeNetwork(address: string, bits: number): string {
  if (isIP(address) === 6) {
    const hostBits = (1n << BigInt(128 - bits)) - 1n;
    const network = toBigInt(address) & ~hostBits;
    const groups = [112, 96, 80, 64, 48, 32, 16, 0].map((shift) =>
      ((network >> BigInt(shift)) & 0xffffn).toString(16),
    );
    // URL writes an IPv6 host in its short standard form (RFC 5952): fe80:0:0:0:0:0:0:0 is fe80::
    return `network ${new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1)}/${bits}`;
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

/** An IPv6 address as one 128-bit number; URL first turns an IPv4 tail (::ffff:1.2.3.4) to hex. */
function toBigInt(ipv6: string): bigint {
  const short = new URL(`http://[${ipv6.split('%')[0]}]`).hostname.slice(1, -1);
  const [head, tail] = short.split('::'); // '::' stands for as many zero groups as are missing
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((sum, group) => (sum << 16n) | BigInt(`0x${group}`), 0n);
}
