// Every README transcript must be what the programs print now (ports normalised).
// When this fails after a deliberate change, run `npm run transcripts` and review the diff.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadDemos, render, runDemo, transcriptIn, withTranscript } from '../scripts/lib/demo.ts';
import { diagram, diagramIn, trafficSummary } from '../scripts/lib/diagram.ts';
import { root } from '../scripts/lib/proc.ts';
import type { Relay } from '../scripts/lib/wire.ts';

// Each demo runs with the wire view's relay between its clients and its server, as `npm run
// transcripts` runs it: the transcript must be the README's all the same (the relay changes
// nothing), and the traffic it recorded must be the README's diagram, in what cannot vary from
// run to run: for each client and direction, the bytes in all and how it ended (FIN, RST).
for (const demo of await loadDemos()) {
  test(`lessons/${demo.lesson}/README.md shows what the demo prints, and its traffic`, async () => {
    const readme = readFileSync(path.join(root, 'lessons', demo.lesson, 'README.md'), 'utf8');
    const shown = transcriptIn(readme);
    assert.ok(shown !== undefined, 'the README has no transcript block');
    const { blocks, port, relay } = await runDemo(demo, undefined, undefined, { wire: true });
    assert.equal(
      shown,
      render(demo, blocks, port, relay?.aliases),
      'run `npm run transcripts`, then review the diff',
    );
    if (!demo.server || demo.noRelay) return; // nothing on the wire, or no relay to record it
    const drawn = diagramIn(readme);
    assert.ok(drawn !== undefined, 'the README has no diagram: run `npm run transcripts`');
    // Sizes that depend on the Node that runs the demo (demo.sizesVary) are left out.
    const summary = (mermaid: string) =>
      trafficSummary(mermaid).map((line) =>
        demo.sizesVary ? line.replace(/: \d+ bytes/, ': some bytes') : line,
      );
    assert.deepEqual(
      summary(drawn),
      summary(diagram(relay as Relay)),
      'the traffic differs from the diagram: run `npm run transcripts`',
    );
  });
}

// A README checked out with CRLF line ends (on Windows) holds the same transcript.
test('a README with CRLF line ends gives the same transcript', (t) => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'socket-lessons-crlf-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  for (const lesson of ['03-tcp-hello', '09-http-server']) {
    const readme = readFileSync(path.join(root, 'lessons', lesson, 'README.md'), 'utf8');
    const copy = path.join(scratch, `${lesson}.md`);
    writeFileSync(copy, readme.replaceAll('\n', '\r\n'));
    const shown = transcriptIn(readFileSync(copy, 'utf8'));
    assert.ok(shown !== undefined, `${lesson}: no transcript found in the CRLF copy`);
    assert.equal(shown, transcriptIn(readme), lesson);
  }
});

test('npm run transcripts keeps a CRLF README all CRLF', () => {
  const readme = readFileSync(path.join(root, 'lessons', '03-tcp-hello', 'README.md'), 'utf8');
  const crlf = readme.replaceAll('\n', '\r\n');
  const updated = withTranscript(crlf, 'a\nnew\ntranscript') ?? '';
  assert.doesNotMatch(updated, /[^\r]\n/, 'no bare LF among the CRLF');
  assert.equal(transcriptIn(updated), 'a\nnew\ntranscript');
  assert.equal(withTranscript(readme, 'x')?.includes('\r'), false, 'an LF README stays LF');
});
