// Windows itself, under Wine: what only Windows can show (cmd.exe, its code page, its process
// tree). The other Windows behaviour is in the runtimes' `windows` column (npm run
// test:runtimes) and, where the logic allows, in the Linux tests beside each lesson's own.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { root } from '../scripts/lib/proc.ts';
import { findWine, type Ran } from '../scripts/lib/wine.ts';

const wine = findWine('zh_CN.UTF-8'); // code page 936, as on a Chinese Windows
const skip = typeof wine === 'string' && `no Windows here: ${wine}`;

describe('Windows (node.exe under Wine, code page 936)', { skip }, () => {
  let results: Record<string, never>;
  before(async () => {
    const ran: Ran = await (wine as Exclude<typeof wine, string>).run(
      path.join(root, 'tests', 'windows', 'driver.ts'),
      [],
      120000,
    );
    const said = `the driver exited ${ran.code ?? 'after 120 s (ended)'}:\n${ran.out}${ran.err}`;
    assert.equal(ran.code, 0, said);
    assert.doesNotThrow(() => {
      results = JSON.parse(ran.out);
    }, said);
  });

  test("06: cmd.exe's output in the console's code page (GBK) arrives as UTF-8", () => {
    const { out, err } = results.codePage as { out: string[]; err: string[] };
    assert.deepEqual(err, []);
    assert.deepEqual(out.slice(0, 2), ["'echo hello 你好' -> 14 bytes", 'hello 你好']);
    // cmd's own message for an unknown command is Chinese here, and must not be mojibake.
    const message = out.slice(3).join('\n');
    assert.match(out[2], /^'nosuchcommand' -> \d+ bytes$/);
    assert.match(message, /nosuchcommand/);
    assert.match(message, /[\u4e00-\u9fff]/, 'Chinese text, decoded');
    assert.doesNotMatch(message, /\ufffd/, 'no replacement characters');
  });

  test('06: --timeout ends the answer though a program the command started holds the pipes', (t) => {
    const { out, survived } = results.timeout as { out: string[]; survived: boolean };
    assert.deepEqual(out, ['[killed after 1 s (--timeout)]']);
    // On Windows, taskkill /pid N /T /F ends the whole tree; Wine's taskkill has no /T, so there
    // the program outlives the shell (the driver ends it by its pid).
    if (survived) t.diagnostic("Wine's taskkill has no /T: the program outlived the shell");
  });

  test('a drive root (C:\\) as the folder of a file server', () => {
    assert.equal(results.driveRoot, true);
  });
});
