import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runLesson } from '../scripts/lib/proc.ts';

const ipUsage = 'usage: ip.ts ADDRESS[/PREFIX] [ADDRESS ...]   e.g. ip.ts 192.168.1.1/24 ::1';
const interfacesUsage = "usage: interfaces.ts   (lists this machine's network interfaces)";

describe('00-basics', () => {
  test('ip.ts classifies IPv4 and IPv6 addresses, and says when a text is not one', async () => {
    const addresses = [
      '0.0.0.0',
      '172.16.5.4',
      '172.32.0.1',
      '169.254.9.9',
      '100.64.0.1',
      '240.0.0.1',
    ];
    const more = ['::', '::ffff:10.1.2.3', '2001:db8::1', '3fff::1', 'abc', '1.2.3'];
    const result = await runLesson('lessons/00-basics/ip.ts', [...addresses, ...more]);
    assert.deepEqual([result.code, result.err], [0, []]);
    assert.deepEqual(result.out, [
      '0.0.0.0: IPv4, class A, unspecified: "any address of this machine" when binding',
      '172.16.5.4: IPv4, class B, private: usable only inside a local network',
      '172.32.0.1: IPv4, class B, public: routable on the internet (unicast)',
      '169.254.9.9: IPv4, class B, link-local: self-assigned when no DHCP answered',
      "100.64.0.1: IPv4, class A, shared: a provider's carrier-grade NAT",
      '240.0.0.1: IPv4, class E, reserved',
      '::: IPv6, unspecified: "any address of this machine" when binding',
      '::ffff:10.1.2.3: IPv6, IPv4-mapped: the IPv4 address 10.1.2.3 seen by an IPv6 socket',
      '2001:db8::1: IPv6, global unicast: routable on the internet',
      '3fff::1: IPv6, global unicast: routable on the internet',
      'abc: not an IP address',
      '1.2.3: not an IP address',
    ]);
  });

  test('ip.ts with no address is a usage error', async () => {
    const result = await runLesson('lessons/00-basics/ip.ts');
    assert.deepEqual([result.code, result.err], [2, ['error: give at least one address', ipUsage]]);
  });

  test('ip.ts with address/prefix (CIDR) classifies the address and shows its network', async () => {
    const cidrs = ['192.168.1.1/24', '10.1.2.3/8', '172.16.5.4/12', '8.8.8.8/0', '10.0.0.7/31'];
    const more = [
      '127.0.0.1/32',
      'fe80::1c2b:3fff:fe4a:5b6c/64',
      '2001:db8:abcd:12::1/48',
      '::1/128',
    ];
    const result = await runLesson('lessons/00-basics/ip.ts', [...cidrs, ...more, '::/0']);
    assert.deepEqual([result.code, result.err], [0, []]);
    assert.deepEqual(result.out, [
      '192.168.1.1/24: IPv4, class C, private: usable only inside a local network',
      '  network 192.168.1.0/24, broadcast 192.168.1.255, 254 hosts',
      '10.1.2.3/8: IPv4, class A, private: usable only inside a local network',
      '  network 10.0.0.0/8, broadcast 10.255.255.255, 16777214 hosts',
      '172.16.5.4/12: IPv4, class B, private: usable only inside a local network',
      '  network 172.16.0.0/12, broadcast 172.31.255.255, 1048574 hosts',
      '8.8.8.8/0: IPv4, class A, public: routable on the internet (unicast)',
      '  network 0.0.0.0/0, broadcast 255.255.255.255, 4294967294 hosts',
      '10.0.0.7/31: IPv4, class A, private: usable only inside a local network',
      '  network 10.0.0.6/31, 2 hosts on a point-to-point link, no broadcast',
      '127.0.0.1/32: IPv4, class A, loopback: this machine itself (the loopback interface)',
      '  network 127.0.0.1/32, this one address only',
      'fe80::1c2b:3fff:fe4a:5b6c/64: IPv6, link-local: valid only on one network link',
      '  network fe80::/64',
      '2001:db8:abcd:12::1/48: IPv6, global unicast: routable on the internet',
      '  network 2001:db8:abcd::/48',
      '::1/128: IPv6, loopback: this machine itself',
      '  network ::1/128',
      '::/0: IPv6, unspecified: "any address of this machine" when binding',
      '  network ::/0',
    ]);
  });

  test('ip.ts: a bad prefix or a bad address before the / is one clear line', async () => {
    const bad = ['192.168.1.1/33', '10.0.0.1/x', '10.0.0.1/', '::1/129', 'abc/24', '1.2.3.4/8/8'];
    const result = await runLesson('lessons/00-basics/ip.ts', bad);
    assert.deepEqual([result.code, result.err], [0, []]);
    assert.deepEqual(result.out, [
      "192.168.1.1/33: bad prefix '/33': an IPv4 prefix is a number from 0 to 32",
      "10.0.0.1/x: bad prefix '/x': an IPv4 prefix is a number from 0 to 32",
      "10.0.0.1/: bad prefix '/': an IPv4 prefix is a number from 0 to 32",
      "::1/129: bad prefix '/129': an IPv6 prefix is a number from 0 to 128",
      'abc/24: not an IP address',
      '1.2.3.4/8/8: not an IP address',
    ]);
  });

  test('--help prints the usage and exits 0; an unknown option is a usage error', async () => {
    for (const [file, usage] of [
      ['lessons/00-basics/ip.ts', ipUsage],
      ['lessons/00-basics/interfaces.ts', interfacesUsage],
    ]) {
      for (const flag of ['--help', '-h']) {
        const help = await runLesson(file, [flag]);
        assert.deepEqual([help.code, help.out, help.err], [0, [usage], []], `${file} ${flag}`);
      }
      const unknown = await runLesson(file, ['--bogus', '8.8.8.8']);
      assert.deepEqual(
        [unknown.code, unknown.out, unknown.err],
        [2, [], ["error: unknown option '--bogus'", usage]],
        file,
      );
    }
    const short = await runLesson('lessons/00-basics/ip.ts', ['-x']);
    assert.deepEqual([short.code, short.err], [2, ["error: unknown option '-x'", ipUsage]]);
    const extra = await runLesson('lessons/00-basics/interfaces.ts', ['eth0']);
    assert.deepEqual(
      [extra.code, extra.err],
      [2, ["error: unexpected argument 'eth0'", interfacesUsage]],
    );
  });

  test('interfaces.ts lists the loopback interface with 127.0.0.1', async () => {
    const result = await runLesson('lessons/00-basics/interfaces.ts');
    assert.equal(result.code, 0);
    const loopback = result.out.findIndex((line) => line.endsWith('(loopback: this machine only)'));
    assert.ok(loopback >= 0, result.out.join('\n'));
    assert.ok(result.out.includes('  IPv4  127.0.0.1/8'), result.out.join('\n'));
    for (const line of result.out)
      assert.match(line, /^(\S.*| {2}IPv[46] {2}\S+\/\d+( {2}mac \S+)?)$/);
  });

  test('ip.ts reads every address/prefix that interfaces.ts prints', async () => {
    const listed = await runLesson('lessons/00-basics/interfaces.ts');
    const cidrs = listed.out.flatMap((line) => line.match(/^ {2}IPv[46] {2}(\S+)/)?.[1] ?? []);
    assert.ok(cidrs.includes('127.0.0.1/8'), listed.out.join('\n'));
    const result = await runLesson('lessons/00-basics/ip.ts', cidrs);
    assert.deepEqual([result.code, result.err], [0, []]);
    assert.equal(result.out.length, 2 * cidrs.length, result.out.join('\n'));
    for (const [index, cidr] of cidrs.entries()) {
      assert.match(result.out[2 * index], new RegExp(`^${cidr.replace(/\./g, '\\.')}: IPv[46], `));
      assert.match(result.out[2 * index + 1], /^ {2}network \S+\/\d+/);
    }
    assert.ok(
      result.out.includes('  network 127.0.0.0/8, broadcast 127.255.255.255, 16777214 hosts'),
    );
  });
});
