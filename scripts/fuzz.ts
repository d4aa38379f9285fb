// npm run fuzz -- --seconds N [--seed S] [NN ...]
// The robustness cases, over and over with fresh random seeds, against every server (or those
// named), sharing N seconds between them. After every input the server must still be running
// and still answer a normal client. Prints the inputs tried per server, and crashes and hangs.
import { parseArgs } from 'node:util';
import { chalk } from 'zx';
import { casesFor, probeAt, startTarget, watched } from './lib/abuse.ts';
import { PATIENCE, seeded, within } from './lib/peer.ts';
import { targets } from './lib/targets.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seconds: { type: 'string', default: '60' }, seed: { type: 'string' } },
});
const seconds = Number(values.seconds);
if (!(seconds > 0)) {
  console.error('usage: npm run fuzz -- --seconds N [--seed S] [NN ...]');
  process.exit(2);
}
const seed = values.seed ? Number(values.seed) : Date.now() % 2 ** 31;
const random = seeded(seed);
const chosen = targets.filter(
  (target) =>
    positionals.length === 0 || positionals.some((want) => target.lesson.startsWith(want)),
);
console.log(`fuzzing ${chosen.length} servers for ${seconds} s in all, seed ${seed}`);

const rows: { lesson: string; inputs: number; crashes: number; hangs: number; notes: string[] }[] =
  [];
for (const target of chosen) {
  const row = { lesson: target.lesson, inputs: 0, crashes: 0, hangs: 0, notes: [] as string[] };
  rows.push(row);
  const prepared = await target.setup?.();
  let { server, to } = await startTarget(target, prepared, watched());
  const deadline = Date.now() + (seconds * 1000) / chosen.length;
  const mine = casesFor(target);
  let probes = 0;
  while (Date.now() < deadline) {
    // The slow cases (a large answer, 200 clients) one time in ten, so the quick ones get tried more.
    const pool =
      random.int(10) === 0 ? mine : mine.filter((each) => !/slow reader|200 /.test(each.name));
    const abuse = pool[random.int(pool.length)];
    row.inputs++;
    try {
      await within(4 * PATIENCE, abuse.name, abuse.run(target, to, server, random));
      await within(PATIENCE, 'probe', probeAt(target, to, server, probes++));
      if (server.child.exitCode !== null) throw new Error('exited');
    } catch (err) {
      const crashed = server.child.exitCode !== null;
      if (crashed) row.crashes++;
      else row.hangs++;
      row.notes.push(
        `${abuse.name}: ${(err as Error).message}\n${server.err.slice(-5).join('\n')}`,
      );
      await server.stop('SIGKILL');
      ({ server, to } = await startTarget(target, prepared, watched()));
    }
  }
  await server.stop();
  prepared?.cleanup();
  const paint = row.crashes + row.hangs ? chalk.red : chalk.green;
  console.log(
    paint(
      `${row.lesson.padEnd(18)} ${row.inputs} inputs, ${row.crashes} crashes, ${row.hangs} hangs`,
    ),
  );
}

for (const row of rows)
  for (const note of row.notes.slice(0, 3)) console.log(`\n${row.lesson}: ${note}`);
const total = (key: 'inputs' | 'crashes' | 'hangs') => rows.reduce((sum, row) => sum + row[key], 0);
console.log(
  `\nfuzz: ${total('inputs')} inputs, ${total('crashes')} crashes, ${total('hangs')} hangs (seed ${seed})`,
);
process.exit(total('crashes') + total('hangs') > 0 ? 1 : 0);
