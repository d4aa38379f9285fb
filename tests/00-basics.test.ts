import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runLesson } from '../scripts/lib/proc.ts';

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
    assert.deepEqual(
      [result.code, result.err],
      [
        2,
        [
          'error: give at least one address',
          'usage: ip.ts ADDRESS [ADDRESS ...]   e.g. ip.ts 192.168.1.1 ::1',
        ],
      ],
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
});
