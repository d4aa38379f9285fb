// Every server survives bad input, faults and load, and still answers a normal client after each.
// Seeded, so a failure replays; bounded, so a hang fails instead of blocking. `npm run fuzz` runs
// the same cases for longer with fresh seeds.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { casesFor, probeAt, startTarget, watched } from '../scripts/lib/abuse.ts';
import { type Address, seeded } from '../scripts/lib/peer.ts';
import type { Proc } from '../scripts/lib/proc.ts';
import { targets } from '../scripts/lib/targets.ts';

for (const target of targets) {
  describe(`${target.lesson} survives`, () => {
    let server: Proc;
    let to: Address; // its port, or a local socket's path
    let cleanup = () => {};
    const random = seeded(20261122);
    let probes = 0;
    before(async () => {
      const prepared = await target.setup?.();
      cleanup = prepared?.cleanup ?? cleanup;
      ({ server, to } = await startTarget(target, prepared));
    });
    after(async () => {
      const exit = await server.stop();
      cleanup();
      assert.equal(exit.code, 0, `the server should shut down cleanly:\n${server.err.join('\n')}`);
    });

    for (const abuse of casesFor(target)) {
      test(abuse.name, async (t) => {
        let victim = server;
        let at = to;
        if (abuse.watchesMemory && target.bigReply) {
          // A server of its own, started so that its memory shows what it holds (see watched()).
          const prepared = await target.setup?.();
          ({ server: victim, to: at } = await startTarget(target, prepared, watched()));
          t.after(async () => {
            await victim.stop();
            prepared?.cleanup();
          });
        }
        await abuse.run(target, at, victim, random);
        assert.equal(victim.child.exitCode, null, `the server exited:\n${victim.err.join('\n')}`);
        await probeAt(target, at, victim, probes++);
        assert.deepEqual(victim.err, [], 'the server wrote to stderr');
      });
    }
  });
}
