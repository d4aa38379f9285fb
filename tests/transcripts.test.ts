// Every README transcript must be what the programs print now (ports normalised).
// When this fails after a deliberate change, run `npm run transcripts` and review the diff.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadDemos, render, runDemo, transcriptIn, withTranscript } from '../scripts/lib/demo.ts';
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
