// Lesson 10: broadcast and multicast. On loopback, the multicast the demo shows (the receiver
// joins on 127.0.0.1, the sender sends out of it). For broadcast, the interface a group is joined
// on, the TTL, the loopback option and a router, the tests build their own network: Linux
// network namespaces joined by veth pairs, made here and gone when the test ends. Where that is
// not allowed (an ordinary user, or not Linux), those tests skip and say why. Nothing leaves the
// machine: every group datagram on the host goes out of 127.0.0.1, and every broadcast is sent
// inside a namespace.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { datagram } from '../scripts/lib/peer.ts';
import {
  type Proc,
  root,
  spawnLesson,
  spawnProgram,
  startServer,
  tsx,
} from '../scripts/lib/proc.ts';
import { assertCleanStop, exitWithin, noPython, norm, python } from '../scripts/lib/testing.ts';

const serverFile = 'lessons/10-udp-broadcast/server.ts';
const clientFile = 'lessons/10-udp-broadcast/client.ts';
const peers = path.join(root, 'tests', 'python', '10_broadcast_peers.py');
const GROUP = '239.255.0.1';
const onLoopback = ['--interface', '127.0.0.1'];
/**
 * The sender's options for the group on this machine: out of the loopback interface, and with a
 * TTL of 0 as well, which keeps a group's datagram on this host even if a broken sender ignored
 * --interface and picked the interface of the default route.
 */
const toGroup = ['--host', GROUP, ...onLoopback, '--ttl', '0'];

/** How long a program that should end by itself may take: a bound, so a broken one fails. */
const ENDS_WITHIN = 10000;

/** Run a program to its end (stdin ends at once unless lines are given), within ENDS_WITHIN. */
async function ended(proc: Proc) {
  const exit = await exitWithin(proc, ENDS_WITHIN);
  if (exit === 'still running') {
    await proc.stop('SIGKILL');
    assert.fail(`still running after ${ENDS_WITHIN} ms:\n${[...proc.out, ...proc.err].join('\n')}`);
  }
  return { ...exit, out: proc.out, err: proc.err };
}

/** The exit of a finished run, without its output. */
const pick = ({ code, signal }: { code: number | null; signal: NodeJS.Signals | null }) => ({
  code,
  signal,
});

/** A lesson file on this machine, run to its end. */
function run(file: string, args: string[], stdin: string[] = []) {
  return ended(spawnLesson(file, args, { stdin }));
}

/** The sender, on this machine: each line one datagram. */
function send(port: number, lines: string[], args: string[] = []) {
  return run(clientFile, ['--port', String(port), ...args], [...lines, 'exit']);
}

/**
 * Send `marker` unicast to the receiver and wait until it prints it. Datagrams sent before it
 * on the same path have arrived by then, if they were going to: what is not printed was not
 * delivered. (A bound on waiting, with no sleep.)
 */
async function flush(receiver: Proc, port: number, marker: string, from: number) {
  await datagram(port, marker);
  await receiver.waitFor(new RegExp(`sent: ${marker}$`), from);
}

describe('10-udp-broadcast on loopback: a multicast group joined on 127.0.0.1', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer(serverFile, ['--group', GROUP, ...onLoopback]);
  });
  after(() => server.stop());

  test('it joins before it says it is ready, and gets every line sent to the group', async () => {
    assert.deepEqual(norm(server.out.slice(0, 2), server.port, 8080), [
      `joined ${GROUP} on 127.0.0.1`,
      'bound to 0.0.0.0:8080',
    ]);
    const from = server.out.length;
    const result = await send(server.port, ['hello group', '你好', ''], toGroup);
    assert.deepEqual([result.code, result.err], [0, []]);
    assert.deepEqual(norm(result.out, server.port, 8080), [
      `sending from 0.0.0.0:50001 to ${GROUP}:8080, a multicast group: every host that joined it`,
      'ttl 0, loopback on, interface 127.0.0.1',
    ]);
    await server.waitFor(/sent: $/, from);
    const port = result.out[0].match(/^sending from 0\.0\.0\.0:(\d+)/)?.[1];
    assert.deepEqual(server.out.slice(from), [
      `127.0.0.1:${port} sent: hello group`,
      `127.0.0.1:${port} sent: 你好`,
      `127.0.0.1:${port} sent: `,
    ]);
  });

  test('bound to every address, it takes unicast to its port as well', async () => {
    const from = server.out.length;
    const result = await send(server.port, ['just you']);
    assert.deepEqual(norm(result.out, server.port, 8080), [
      'sending from 0.0.0.0:50001 to 127.0.0.1:8080, one host (unicast)',
    ]);
    await server.waitFor(/sent: just you$/, from);
  });

  test('two receivers of the group on one machine share the port and each gets a copy', async (t) => {
    const second = await startServer(serverFile, [
      '--port',
      String(server.port),
      '--group',
      GROUP,
      ...onLoopback,
    ]);
    t.after(() => second.stop());
    const [from, from2] = [server.out.length, second.out.length];
    await send(server.port, ['for both'], toGroup);
    await server.waitFor(/sent: for both$/, from);
    await second.waitFor(/sent: for both$/, from2);
    await assertCleanStop(second);
  });

  test('bound to 127.0.0.1 it hears no group datagram, joined or not', async (t) => {
    const narrow = await startServer(serverFile, [
      '--host',
      '127.0.0.1',
      '--group',
      GROUP,
      ...onLoopback,
    ]);
    t.after(() => narrow.stop());
    assert.deepEqual(norm(narrow.out, narrow.port, 8080), [
      `joined ${GROUP} on 127.0.0.1`,
      'only datagrams to 127.0.0.1 arrive: bind 0.0.0.0 for broadcasts and groups',
      'bound to 127.0.0.1:8080',
    ]);
    const from = narrow.out.length;
    await send(narrow.port, ['lost'], toGroup);
    await flush(narrow, narrow.port, 'marker', from);
    assert.deepEqual(narrow.out.slice(from).map(text), ['marker']);
  });

  test('Python sends to the group (IP_MULTICAST_IF), the lesson receives', {
    skip: noPython,
  }, async () => {
    const from = server.out.length;
    const sender = spawnProgram(python, [
      peers,
      'send',
      GROUP,
      String(server.port),
      '127.0.0.1',
      '来自 Python',
      'two',
    ]);
    assert.deepEqual(pick(await ended(sender)), { code: 0, signal: null }, sender.err.join('\n'));
    await server.waitFor(/sent: two$/, from);
    assert.deepEqual(server.out.slice(from).map(text), ['来自 Python', 'two']);
  });

  test('the lesson sends to the group, Python receives (IP_ADD_MEMBERSHIP)', {
    skip: noPython,
  }, async (t) => {
    const receiver = spawnProgram(python, ['-u', peers, 'recv', '0', '2', GROUP, '127.0.0.1']);
    t.after(() => receiver.stop('SIGKILL'));
    const port = Number((await receiver.waitFor(/^bound to 239\.255\.0\.1:(\d+)$/))[1]);
    const result = await send(port, ['来自 Node', 'two'], toGroup);
    assert.equal(result.code, 0);
    assert.deepEqual(
      pick(await ended(receiver)),
      { code: 0, signal: null },
      receiver.err.join('\n'),
    );
    assert.deepEqual(receiver.out.slice(1).map(text), ['来自 Node', 'two']);
  });

  test('Ctrl+C leaves the group and closes the socket', async () => {
    const other = await startServer(serverFile, ['--group', GROUP, ...onLoopback]);
    await assertCleanStop(other);
  });
});

describe('10-udp-broadcast: bad arguments and refusals', () => {
  const serverUsage =
    'usage: server.ts [--host 0.0.0.0] [--port 8080] [--group 239.255.0.1] [--interface ADDRESS]';
  const clientUsage =
    'usage: client.ts [--host 127.0.0.1] [--port 8080] [--broadcast] [--interface ADDRESS] [--ttl 1] [--no-loop]';

  test('a group outside class D, a bad interface, TTL or IPv6 host: usage line, exit 2', async () => {
    for (const [file, args, problem, usage] of [
      [
        serverFile,
        ['--group', '10.0.0.1'],
        "'10.0.0.1' is not a multicast group: use 224.0.0.0 to 239.255.255.255",
        serverUsage,
      ],
      [
        serverFile,
        ['--group', '240.0.0.1'],
        "'240.0.0.1' is not a multicast group: use 224.0.0.0 to 239.255.255.255",
        serverUsage,
      ],
      [
        serverFile,
        ['--interface', 'eth0'],
        "--interface takes this machine's IPv4 address on it, not 'eth0'",
        serverUsage,
      ],
      [clientFile, ['--ttl', '256'], "invalid --ttl '256': 0 to 255", clientUsage],
      [clientFile, ['--ttl', '1.5'], "invalid --ttl '1.5': 0 to 255", clientUsage],
      [
        clientFile,
        ['--host', '::1'],
        'IPv6 has no broadcast; this lesson speaks IPv4',
        clientUsage,
      ],
    ] as const) {
      const result = await run(file, ['--port', '0', ...args]);
      assert.deepEqual(
        [result.code, result.out, result.err],
        [2, [], [`error: ${problem}`, usage]],
      );
    }
  });

  test('joining on an address that is not this machine’s: one line, exit 1', async () => {
    const result = await run(serverFile, [
      '--port',
      '0',
      '--group',
      GROUP,
      '--interface',
      '192.0.2.123',
    ]);
    assert.equal(result.code, 1);
    assert.deepEqual(result.out, []);
    // The code in brackets differs between runtimes (ENODEV on Node and Bun, EINVAL on Deno).
    assert.match(
      result.err.join('\n'),
      /^error: could not join 239\.255\.0\.1 on 192\.0\.2\.123 \([A-Z]+\): not an address here\? ip addr \(ipconfig on Windows\) lists them$/,
    );
  });

  test('sending out of an interface that is not this machine’s: one line, exit 1', async () => {
    const result = await send(9, ['never sent'], ['--host', GROUP, '--interface', '192.0.2.123']);
    assert.deepEqual([result.code, result.out], [1, []]);
    assert.match(
      result.err.join('\n'),
      /^error: cannot send from --interface 192\.0\.2\.123 \([A-Z]+\): not an address here\?$/,
    );
  });
});

// ── A network of our own ────────────────────────────────────────────────────────────────────

/** Why network namespaces cannot be made here, or false if they can. */
function namespaceProblem(): string | false {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  for (const [command, args] of [
    ['ip', ['-V']],
    ['nsenter', ['--version']],
  ] as const) {
    if (spawnSync(command, args).status !== 0)
      return `no ${command} (apt-get install iproute2 util-linux)`;
  }
  const probe = spawnSync(
    'unshare',
    ['-n', 'ip', 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1'],
    { encoding: 'utf8' },
  );
  if (probe.status === 0) return false;
  const why = (probe.stderr || probe.error?.message || '').trim().split('\n')[0];
  return `cannot make a network namespace with a veth pair here (${why}); it needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN)`;
}
const noNamespaces = namespaceProblem();

interface Host {
  pid: number;
  /** Run a command inside this host's namespace; throws unless it succeeds. */
  exec(command: string, ...args: string[]): void;
  /** Start a program inside it (nsenter execs it: the PID is the program's). */
  spawn(command: string, args: string[]): Proc;
  /** A lesson file inside it, on Node with tsx. */
  lesson(file: string, args: string[]): Proc;
}

/**
 * A host of our own: a process (`cat`, waiting on its stdin) in a new network namespace, with
 * only its loopback up. The namespace lives as long as that process: ending its stdin ends it,
 * and the namespace, its interfaces and its routes go with it.
 */
async function makeHost(holders: ChildProcess[]): Promise<Host> {
  const holder = spawn('unshare', ['-n', 'sh', '-c', 'echo ready; exec cat'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  holders.push(holder);
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`unshare exited ${code}`)));
  });
  const pid = holder.pid as number;
  // Never configure the machine's own network by mistake: the holder must be in another one.
  assert.notEqual(readlinkSync(`/proc/${pid}/ns/net`), readlinkSync('/proc/self/ns/net'));
  const enter = ['-t', String(pid), '-n'];
  const host: Host = {
    pid,
    exec(command, ...args) {
      const ran = spawnSync('nsenter', [...enter, command, ...args], { encoding: 'utf8' });
      assert.equal(ran.status, 0, `${command} ${args.join(' ')}: ${ran.stderr}`);
    },
    spawn: (command, args) => spawnProgram('nsenter', [...enter, command, ...args]),
    lesson: (file, args) =>
      host.spawn(process.execPath, ['--import', tsx, path.resolve(root, file), ...args]),
  };
  host.exec('ip', 'link', 'set', 'lo', 'up');
  return host;
}

/** A cable between two hosts: a veth pair, one end in each, with an address and a prefix each. */
function link(a: Host, aName: string, aCidr: string, b: Host, bName: string, bCidr: string) {
  a.exec('ip', 'link', 'add', aName, 'type', 'veth', 'peer', 'name', bName, 'netns', String(b.pid));
  for (const [host, name, cidr] of [
    [a, aName, aCidr],
    [b, bName, bCidr],
  ] as const) {
    host.exec('ip', 'addr', 'add', cidr, 'dev', name);
    host.exec('ip', 'link', 'set', name, 'up');
  }
}

/** The receiver inside a host; resolves once it is ready. */
async function receiver(host: Host, args: string[]) {
  const proc = host.lesson(serverFile, ['--port', '0', ...args]);
  const port = Number((await proc.waitFor(/^bound to .+:(\d+)$/))[1]);
  return Object.assign(proc, { port });
}

/** The sender inside a host, to the end of its lines. */
async function sendFrom(host: Host, port: number, lines: string[], args: string[]) {
  const proc = host.lesson(clientFile, ['--port', String(port), ...args]);
  proc.child.stdin?.end([...lines, 'exit'].map((line) => `${line}\n`).join(''));
  return ended(proc);
}

/** A unicast marker from `host` to the receiver at `address`; then only what arrived is printed. */
async function flushFrom(host: Host, proc: Proc & { port: number }, address: string, from: number) {
  await sendFrom(host, proc.port, ['marker'], ['--host', address]);
  await proc.waitFor(/sent: marker$/, from);
}

const text = (line: string) => line.replace(/^\S+ sent: /, '');

describe('10-udp-broadcast on a network of its own (two hosts, one LAN)', {
  skip: noNamespaces,
}, () => {
  // A: 10.10.0.1/24 on a0, the receiver's host. B: 10.10.0.2/24 on b0, the sender's, with a
  // default route out of b0 (as a LAN's hosts have), which 255.255.255.255 needs.
  const holders: ChildProcess[] = [];
  let a: Host;
  let b: Host;
  before(async () => {
    a = await makeHost(holders);
    b = await makeHost(holders);
    link(a, 'a0', '10.10.0.1/24', b, 'b0', '10.10.0.2/24');
    b.exec('ip', 'route', 'add', 'default', 'dev', 'b0');
  });
  after(() => {
    for (const holder of holders) holder.stdin?.end();
  });

  test('the receiver names its broadcast addresses; --broadcast reaches it at both', async (t) => {
    const r = await receiver(a, []);
    t.after(() => r.stop());
    assert.equal(r.out[0], 'broadcasts reach it at 255.255.255.255, 10.10.0.255 (a0)');
    const from = r.out.length;
    const subnet = await sendFrom(
      b,
      r.port,
      ['to the subnet'],
      ['--host', '10.10.0.255', '--broadcast'],
    );
    assert.deepEqual([subnet.code, subnet.err], [0, []]);
    assert.match(
      subnet.out[0],
      /^sending from 0\.0\.0\.0:\d+ to 10\.10\.0\.255:\d+, a broadcast: every host on 10\.10\.0\.0\/24 \(b0\)$/,
    );
    const limited = await sendFrom(
      b,
      r.port,
      ['to everyone'],
      ['--host', '255.255.255.255', '--broadcast'],
    );
    assert.deepEqual([limited.code, limited.err], [0, []]);
    assert.match(limited.out[0], /, a broadcast: every host on the local network$/);
    await r.waitFor(/sent: to everyone$/, from);
    assert.deepEqual(
      r.out.slice(from).map((line) => line.replace(/:\d+ /, ' ')),
      ['10.10.0.2 sent: to the subnet', '10.10.0.2 sent: to everyone'],
    );
    await assertCleanStop(r);
  });

  test('without --broadcast the OS refuses the send (EACCES): one line, exit 1', async (t) => {
    const r = await receiver(a, []);
    t.after(() => r.stop());
    for (const address of ['10.10.0.255', '255.255.255.255']) {
      const result = await sendFrom(b, r.port, ['refused'], ['--host', address]);
      assert.equal(result.code, 1);
      assert.deepEqual(result.err, [
        `error: ${address} is a broadcast address: sending to it needs --broadcast (SO_BROADCAST)`,
      ]);
    }
    const from = r.out.length;
    await flushFrom(b, r, '10.10.0.1', from);
    assert.deepEqual(r.out.slice(from).map(text), ['marker']);
  });

  test('255.255.255.255 from a host with no default route: ENETUNREACH, one line', async () => {
    const result = await sendFrom(a, 9, ['nowhere'], ['--host', '255.255.255.255', '--broadcast']);
    assert.deepEqual(
      [result.code, result.err],
      [1, ['error: no route to 255.255.255.255 (ENETUNREACH): no network here leads there']],
    );
  });

  test('a group is joined on one interface: joined on loopback, the LAN’s datagrams miss it', async (t) => {
    const onLan = await receiver(a, ['--group', GROUP, '--interface', '10.10.0.1']);
    t.after(() => onLan.stop());
    const onLo = await receiver(a, [
      '--port',
      String(onLan.port),
      '--group',
      '239.255.0.2',
      ...onLoopback,
    ]);
    t.after(() => onLo.stop());
    const [from, fromLo] = [onLan.out.length, onLo.out.length];
    const out = ['--interface', '10.10.0.2'];
    await sendFrom(b, onLan.port, ['to the loopback group'], ['--host', '239.255.0.2', ...out]);
    await sendFrom(b, onLan.port, ['to the LAN group'], ['--host', GROUP, ...out]);
    await onLan.waitFor(/sent: to the LAN group$/, from);
    await onLo.waitFor(/sent: to the LAN group$/, fromLo);
    assert.deepEqual(onLan.out.slice(from).map(text), ['to the LAN group']);
    // 239.255.0.2 was joined on lo, and its datagram came in on a0: dropped. But the datagram of
    // 239.255.0.1, which onLo never joined, reached it: Linux hands a group's datagram to every
    // socket bound to 0.0.0.0 on that port once any socket of the host joined the group on that
    // interface (IP_MULTICAST_ALL), as the README says.
    assert.deepEqual(onLo.out.slice(fromLo).map(text), ['to the LAN group']);
  });

  test('TTL 0 keeps the group on the sender’s host; --no-loop keeps it off it', async (t) => {
    const far = await receiver(a, ['--group', GROUP, '--interface', '10.10.0.1']);
    t.after(() => far.stop());
    const near = await receiver(b, [
      '--port',
      String(far.port),
      '--group',
      GROUP,
      '--interface',
      '10.10.0.2',
    ]);
    t.after(() => near.stop());
    const [fromFar, fromNear] = [far.out.length, near.out.length];
    const out = ['--host', GROUP, '--interface', '10.10.0.2'];
    const ttl0 = await sendFrom(b, far.port, ['ttl 0'], [...out, '--ttl', '0']);
    assert.equal(ttl0.out[1], 'ttl 0, loopback on, interface 10.10.0.2');
    await near.waitFor(/sent: ttl 0$/, fromNear);
    const noLoop = await sendFrom(b, far.port, ['no loop'], [...out, '--no-loop']);
    assert.equal(noLoop.out[1], 'ttl 1, loopback off, interface 10.10.0.2');
    await far.waitFor(/sent: no loop$/, fromFar);
    await sendFrom(b, far.port, ['both'], out);
    await far.waitFor(/sent: both$/, fromFar);
    await near.waitFor(/sent: both$/, fromNear);
    assert.deepEqual(far.out.slice(fromFar).map(text), ['no loop', 'both']);
    assert.deepEqual(near.out.slice(fromNear).map(text), ['ttl 0', 'both']);
  });

  test('Python broadcasts (SO_BROADCAST), the lesson receives; and back', {
    skip: noPython,
  }, async (t) => {
    const r = await receiver(a, []);
    t.after(() => r.stop());
    const from = r.out.length;
    const py = b.spawn(python, [
      peers,
      'send',
      '10.10.0.255',
      String(r.port),
      'broadcast',
      '来自 Python',
    ]);
    assert.deepEqual(pick(await ended(py)), { code: 0, signal: null }, py.err.join('\n'));
    await r.waitFor(/sent: 来自 Python$/, from);
    assert.match(r.out[from], /^10\.10\.0\.2:\d+ sent: 来自 Python$/);

    const pyReceiver = a.spawn(python, ['-u', peers, 'recv', '0', '1']);
    t.after(() => pyReceiver.stop('SIGKILL'));
    const port = Number((await pyReceiver.waitFor(/^bound to 0\.0\.0\.0:(\d+)$/))[1]);
    const sent = await sendFrom(
      b,
      port,
      ['来自 Node'],
      ['--host', '255.255.255.255', '--broadcast'],
    );
    assert.equal(sent.code, 0, sent.err.join('\n'));
    assert.deepEqual(pick(await ended(pyReceiver)), { code: 0, signal: null });
    assert.match(pyReceiver.out[1], /^10\.10\.0\.2:\d+ sent: 来自 Node$/);
  });
});

describe('10-udp-broadcast through a router (two LANs)', { skip: noNamespaces }, () => {
  // A (10.10.0.2) — router R (10.10.0.1 | 10.10.1.1, forwarding on) — B (10.10.1.2).
  const holders: ChildProcess[] = [];
  let a: Host;
  let b: Host;
  before(async () => {
    a = await makeHost(holders);
    const router = await makeHost(holders);
    b = await makeHost(holders);
    link(a, 'a0', '10.10.0.2/24', router, 'r0', '10.10.0.1/24');
    link(b, 'b0', '10.10.1.2/24', router, 'r1', '10.10.1.1/24');
    router.exec('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    a.exec('ip', 'route', 'add', 'default', 'via', '10.10.0.1');
    b.exec('ip', 'route', 'add', 'default', 'via', '10.10.1.1');
  });
  after(() => {
    for (const holder of holders) holder.stdin?.end();
  });

  test('unicast crosses the router; broadcasts and a TTL-8 group datagram do not', async (t) => {
    const r = await receiver(a, ['--group', GROUP, '--interface', '10.10.0.2']);
    t.after(() => r.stop());
    const from = r.out.length;
    const broadcast = ['--broadcast'];
    for (const address of ['255.255.255.255', '10.10.1.255', '10.10.0.255']) {
      const sent = await sendFrom(b, r.port, [`to ${address}`], ['--host', address, ...broadcast]);
      assert.equal(sent.code, 0, sent.err.join('\n'));
    }
    const group = await sendFrom(
      b,
      r.port,
      ['to the group'],
      ['--host', GROUP, '--ttl', '8', '--interface', '10.10.1.2'],
    );
    assert.equal(group.code, 0, group.err.join('\n'));
    await flushFrom(b, r, '10.10.0.2', from);
    assert.deepEqual(r.out.slice(from), [r.out.at(-1)]);
    assert.match(r.out[from], /^10\.10\.1\.2:\d+ sent: marker$/);
  });
});
