/**
 * @title This machine's network interfaces (网卡信息)
 * @article 000 "网卡信息", "查看网卡信息"
 * @run node lessons/00-basics/interfaces.ts
 * @run npx tsx lessons/00-basics/interfaces.ts
 * @run deno run --allow-sys=networkInterfaces lessons/00-basics/interfaces.ts
 * @run bun lessons/00-basics/interfaces.ts
 *
 * Lists every network interface with its addresses, like `ifconfig` (Linux, macOS) or
 * `ipconfig` (Windows). The loopback interface (`lo` on Linux, `lo0` on macOS, "Loopback
 * Pseudo-Interface 1" on Windows) reaches this machine only; the others reach the network.
 */
import { networkInterfaces } from 'node:os';
import { parseArgs } from 'node:util';
import { usageError } from '../../shared/helpers.ts';

const usage = "interfaces.ts   (lists this machine's network interfaces)";
const { values } = parseOptions();
if (values.help) {
  console.log(`usage: ${usage}`);
  process.exit(0);
}

// Every interface by name, then each of its addresses: what ifconfig or ipconfig shows.
for (const [name, addresses] of Object.entries(networkInterfaces())) {
  const internal = addresses?.some((entry) => entry.internal);
  console.log(`${name}${internal ? ' (loopback: this machine only)' : ''}`);
  for (const entry of addresses ?? []) {
    // cidr is address/prefix; the prefix says how many leading bits name the network
    // (give the line to ip.ts to see that network).
    const mac = entry.mac === '00:00:00:00:00:00' ? '' : `  mac ${entry.mac}`;
    console.log(`  ${entry.family.padEnd(4)}  ${entry.cidr ?? entry.address}${mac}`);
  }
}

function parseOptions() {
  try {
    return parseArgs({ options: { help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    // parseArgs adds a second sentence on how to pass a positional; the first one says it all.
    const problem = (err as Error).message.replace(/^Un(known|expected)/, 'un$1');
    usageError(problem.replace(/\. (To specify|This command).*/, ''), usage);
  }
}
