/**
 * @title What kind of IP address is this? (IP 地址的分类)
 * @article 000 "ip地址", "ip和ip地址的分类"; 002 "1-3-TCP/IP协议"
 * @run node lessons/00-basics/ip.ts 192.168.1.1/24 8.8.8.8 224.0.0.251 ::1
 * @run npx tsx lessons/00-basics/ip.ts 192.168.1.1/24 8.8.8.8 224.0.0.251 ::1
 * @run deno run lessons/00-basics/ip.ts 192.168.1.1/24 8.8.8.8 224.0.0.251 ::1
 * @run bun lessons/00-basics/ip.ts 192.168.1.1/24 8.8.8.8 224.0.0.251 ::1
 *
 * Classifies each address it is given: IPv4 class A to E, private, loopback, multicast,
 * broadcast, link-local; and the IPv6 kinds that play the same roles. Given address/prefix
 * (CIDR, as interfaces.ts prints it), it also shows the network the address belongs to.
 */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { usageError } from '../../shared/helpers.ts';
import { describeNetwork, toNumber } from './cidr.ts';

const usage = 'ip.ts ADDRESS[/PREFIX] [ADDRESS ...]   e.g. ip.ts 192.168.1.1/24 ::1';

const { values, positionals } = parseOptions();
if (values.help) {
  console.log(`usage: ${usage}`);
  process.exit(0);
}
if (positionals.length === 0) usageError('give at least one address', usage);

// One line for each address given (two with a /prefix): what kind of address it is.
for (const text of positionals) {
  console.log(describe(text));
}

function describe(text: string): string {
  // CIDR notation: the address, then after the / how many leading bits name its network.
  const [address, prefix, ...extra] = text.split('/');
  const family = extra.length === 0 ? isIP(address) : 0; // two slashes: not an address
  if (family === 0) return `${text}: not an IP address`;
  const kind = family === 4 ? describeIPv4(address) : describeIPv6(address);
  if (prefix === undefined) return `${text}: ${kind}`;
  const maxBits = family === 4 ? 32 : 128;
  const bits = Number(prefix);
  if (!/^\d+$/.test(prefix) || bits > maxBits) {
    const range = `an IPv${family} prefix is a number from 0 to ${maxBits}`;
    return `${text}: bad prefix '/${prefix}': ${range}`;
  }
  return `${text}: ${kind}\n  ${describeNetwork(address, bits)}`;
}

function describeIPv4(address: string): string {
  const value = toNumber(address);
  const letter = classOf(value >>> 24);
  const kinds: [string, number, string][] = [
    ['0.0.0.0', 32, 'unspecified: "any address of this machine" when binding'],
    ['255.255.255.255', 32, 'limited broadcast: every host on this network'],
    ['127.0.0.0', 8, 'loopback: this machine itself (the loopback interface)'],
    ['10.0.0.0', 8, 'private: usable only inside a local network'],
    ['172.16.0.0', 12, 'private: usable only inside a local network'],
    ['192.168.0.0', 16, 'private: usable only inside a local network'],
    ['169.254.0.0', 16, 'link-local: self-assigned when no DHCP answered'],
    ['100.64.0.0', 10, "shared: a provider's carrier-grade NAT"],
    ['224.0.0.0', 4, 'multicast: one sender, many receivers'],
    ['240.0.0.0', 4, 'reserved'],
  ];
  // The first range that holds the address; none of them means a public address.
  const range = kinds.find(([prefix, bits]) => inRange(value, prefix, bits));
  const kind = range ? range[2] : 'public: routable on the internet (unicast)';
  return `IPv4, class ${letter}, ${kind}`;
}

/** The classes split the space by the first bits of the first byte (classful addressing, 1981). */
function classOf(firstByte: number): string {
  if (firstByte < 128) return 'A'; // 0xxxxxxx
  if (firstByte < 192) return 'B'; // 10xxxxxx
  if (firstByte < 224) return 'C'; // 110xxxxx
  if (firstByte < 240) return 'D'; // 1110xxxx: multicast
  return 'E'; // 1111xxxx: reserved
}

/** Is the 32-bit address inside prefix/bits? Its first `bits` bits are the prefix's. */
function inRange(value: number, prefix: string, bits: number): boolean {
  if (bits === 0) return true;
  return value >>> (32 - bits) === toNumber(prefix) >>> (32 - bits);
}

function describeIPv6(address: string): string {
  const lower = address.toLowerCase();
  const mapped = lower.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped) return `IPv6, IPv4-mapped: the IPv4 address ${mapped[1]} seen by an IPv6 socket`;
  if (lower === '::') return 'IPv6, unspecified: "any address of this machine" when binding';
  if (lower === '::1') return 'IPv6, loopback: this machine itself';
  // The kind is in the leading bits of the first group of four hex digits.
  const head = lower.startsWith('::') ? 0 : Number.parseInt(lower.split(':')[0], 16);
  if (head >> 8 === 0xff) return 'IPv6, multicast: one sender, many receivers';
  if (head >> 6 === 0xfe80 >> 6) return 'IPv6, link-local: valid only on one network link';
  if (head >> 9 === 0xfc00 >> 9) return 'IPv6, unique local: private, like 10.x or 192.168.x';
  if (head >> 13 === 1) return 'IPv6, global unicast: routable on the internet';
  return 'IPv6, reserved or special-purpose';
}

function parseOptions() {
  const options = { help: { type: 'boolean', short: 'h' } } as const;
  try {
    return parseArgs({ allowPositionals: true, options });
  } catch (err) {
    // parseArgs explains at length how to pass a text starting with '-'; one sentence is enough.
    const problem = (err as Error).message.replace(/^Unknown/, 'unknown');
    usageError(problem.replace(/\. To specify.*/, ''), usage);
  }
}
