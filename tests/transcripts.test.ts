// Every README transcript must be what the programs print now (ports normalised).
// When this fails after a deliberate change, run `npm run transcripts` and review the diff.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadDemos, render, runDemo, transcriptIn } from '../scripts/lib/demo.ts';
import { root } from '../scripts/lib/proc.ts';

for (const demo of await loadDemos()) {
  test(`lessons/${demo.lesson}/README.md shows what the demo prints`, async () => {
    const readme = readFileSync(path.join(root, 'lessons', demo.lesson, 'README.md'), 'utf8');
    const shown = transcriptIn(readme);
    assert.ok(shown !== undefined, 'the README has no transcript block');
    const { blocks, port } = await runDemo(demo);
    assert.equal(
      shown,
      render(demo, blocks, port),
      'run `npm run transcripts`, then review the diff',
    );
  });
}
