// The rules every lesson keeps, checked over every folder in lessons/ (a rule no test checks
// is a rule that rots).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadDemos } from '../scripts/lib/demo.ts';
import { listLessons, parseHeader, readHeader } from '../scripts/lib/lessons.ts';
import { testedNode } from '../scripts/lib/nodes.ts';
import { root } from '../scripts/lib/proc.ts';
import { targets } from '../scripts/lib/targets.ts';

/**
 * The most lines of code a lesson file may have (after its header; comments and blank lines do
 * not count, so explaining costs no code clarity), and the most lines in all.
 */
export const CODE_BUDGET = 90;
export const LINE_BUDGET = 160;
/** A reader meets the article's first step within this many lines of code after the imports. */
const STEPS_WITHIN = 15;
/** The helper module must stay small enough to read in one sitting: lines of code, as above. */
const HELPER_BUDGET = 120;
/** All that shared/helpers.ts exports: options, one-line errors, shutdown and typed lines. */
const PLUMBING = [
  'exitWith',
  'explain',
  'fail',
  'hostPort',
  'onShutdown',
  'parseCli',
  'seconds',
  'stdinLines',
  'usageError',
];

const lessons = listLessons();
const demos = await loadDemos();
const importPattern =
  /^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

function importsOf(source: string): string[] {
  return [...source.matchAll(importPattern)].map((match) => match[1] ?? match[2]);
}

/** A text file with LF line ends, whatever the checkout gave it (CRLF, on Windows). */
const readText = (file: string) => readFileSync(file, 'utf8').replaceAll('\r\n', '\n');

/**
 * A server: a lesson file that stops on Ctrl+C (onShutdown) or listens on its --port. (sticky.ts
 * listens on port 0 inside one run, duplex.ts binds its --bind: neither is a server to attack.)
 */
function isServer(file: string): boolean {
  const source = readText(file);
  return (
    /^\s*onShutdown\(/m.test(source) ||
    /\.(?:listen|bind)\(\s*(?:\{[^}]*\bport: args\.port\b|args\.port\b)/.test(source)
  );
}

/**
 * The root README's "## Lessons" table: lesson folder → the number in its row's first cell. Rows
 * under its "### Beyond the articles" heading are lessons that mirror no article program.
 */
function lessonTable(): Map<string, string> {
  const readme = readText(path.join(root, 'README.md'));
  const section = readme.split(/^## Lessons\n/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n').filter((each) => each.startsWith('| '))) {
    const [, number, link] = line.split('|').map((cell) => cell.trim());
    const folder = link?.match(/\]\(lessons\/([^/)]+)\/?\)/)?.[1];
    if (folder) rows.set(folder, number);
  }
  return rows;
}

/** The lessons listed under "### Beyond the articles" in the README's lesson table. */
function beyondTheArticles(): Set<string> {
  const readme = readText(path.join(root, 'README.md'));
  const lessonsSection = readme.split(/^## Lessons\n/m)[1]?.split(/^## /m)[0] ?? '';
  const part = lessonsSection.split(/^### Beyond the articles\n/m)[1] ?? '';
  return new Set(
    [...part.matchAll(/^\| \d\d \| \[[^\]]+\]\(lessons\/([^/)]+)\/?\)/gm)].map((m) => m[1]),
  );
}

const lessonRows = lessonTable();
const beyond = beyondTheArticles();

/**
 * What the budgets count in a lesson file: its lines after the header block (the file's card:
 * title, article, one @run per runtime), and of those the lines of code.
 */
function budgetLines(source: string): { lines: number; code: number } {
  const text = source.replaceAll('\r\n', '\n');
  const body = text
    .slice(text.indexOf('*/') + 2)
    .split('\n')
    .slice(1, -1);
  const code = body.filter((line) => !/^\s*(\/\/.*|\/\*\*.*|\*.*|)$/.test(line));
  return { lines: body.length, code: code.length };
}

/** A runnable file's @run lines: one per runtime, for the same file and arguments. */
function runLines(run: string | undefined, source: string) {
  const runPath = run?.match(/^node (\S+\.ts)\b/)?.[1];
  assert.ok(runPath, 'the first @run is node <file>.ts: nothing to install on Node 22.18+');
  assert.ok(
    existsSync(path.join(root, runPath)),
    `@run points to ${runPath}, which does not exist`,
  );

  // One command per runtime, for the same file and arguments: plain Node, tsx, Deno (with
  // the narrowest permissions), Bun.
  const runs = [...source.matchAll(/^ \* @run (.+)$/gm)].map((match) => match[1]);
  assert.equal(runs.length, 4, 'four @run lines: node …, npx tsx …, deno run …, bun …');
  assert.match(runs[1], /^npx tsx \S/, 'second @run is npx tsx');
  assert.match(runs[2], /^deno run (--allow-[a-z]+(=\S+)? )*\S/, 'third @run is deno run');
  assert.ok(!runs[2].includes('--allow-all') && !/ -A /.test(runs[2]), 'no blanket -A for Deno');
  const rest = runs.map((run) => run.replace(/^(node|npx tsx|deno run( --allow-\S+)*|bun) /, ''));
  assert.deepEqual(rest, Array(4).fill(rest[0]), 'the @run lines run the same thing');
}

test('the header parser rejects a file without a full header', () => {
  assert.equal(parseHeader('// just code\n'), null);
  assert.equal(
    parseHeader('/**\n * @title X (甲)\n * @run npx tsx a.ts\n *\n * About.\n */'),
    null,
  );
  const good =
    '/**\n * @title X (甲)\n * @article 000 "x"\n * @run npx tsx a.ts\n *\n * About.\n */';
  assert.deepEqual(parseHeader(good), {
    title: 'X (甲)',
    article: '000 "x"',
    run: 'npx tsx a.ts',
    about: 'About.',
  });
});

// A checkout on Windows may give every file CRLF line ends (git's core.autocrlf, or a copy made
// without git): the header, the tour's "run it by hand" list and the budgets must not change.
test('the header parser and the budgets read a file with CRLF line ends as they read it with LF', (t) => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'socket-lessons-crlf-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  for (const lesson of lessons) {
    for (const file of lesson.files) {
      const source = readFileSync(path.join(lesson.dir, file), 'utf8');
      const copy = path.join(scratch, `${lesson.name}-${file}`);
      writeFileSync(copy, source.replaceAll('\n', '\r\n'));
      const name = `${lesson.name}/${file}`;
      assert.deepEqual(readHeader(copy), parseHeader(source), name);
      assert.deepEqual(budgetLines(readFileSync(copy, 'utf8')), budgetLines(source), name);
    }
  }
});

test('there are lessons 01 to 04 at least', () => {
  const names = lessons.map((lesson) => lesson.name);
  for (const name of ['01-udp-send', '02-udp-echo', '03-tcp-hello', '04-tcp-echo']) {
    assert.ok(names.includes(name), `missing lessons/${name}`);
  }
});

test("the lessons beyond the articles come after all of the articles' lessons", () => {
  const order = [...lessonRows.keys()];
  const firstBeyond = order.findIndex((name) => beyond.has(name));
  if (firstBeyond === -1) return;
  assert.deepEqual(
    order.slice(firstBeyond).filter((name) => !beyond.has(name)),
    [],
    'a lesson of the articles listed after "### Beyond the articles"',
  );
});

test("the README's lesson table has one row per lesson folder, in order", () => {
  assert.deepEqual(
    [...lessonRows.keys()],
    lessons.map((lesson) => lesson.name),
    'the folders the "## Lessons" table of README.md links to, row by row',
  );
});

for (const lesson of lessons) {
  describe(`lessons/${lesson.name}`, () => {
    const isBasics = lesson.name.startsWith('00-');
    const folder = `lessons/${lesson.name}`;
    const readmeFile = path.join(lesson.dir, 'README.md');
    const readme = existsSync(readmeFile) ? readText(readmeFile) : '';

    test('has its files and a README with every section', () => {
      assert.ok(existsSync(readmeFile), `no README.md: add ${folder}/README.md`);
      if (!isBasics) {
        assert.ok(lesson.files.includes('server.ts'), `no server.ts: add ${folder}/server.ts`);
        assert.ok(lesson.files.includes('client.ts'), `no client.ts: add ${folder}/client.ts`);
      }
      assert.ok(lesson.files.length > 0, `no .ts files: add the lesson's programs to ${folder}/`);
      for (const heading of ['## Run it', '## Python → Node', '## Pitfalls', '## Terms']) {
        assert.ok(readme.includes(heading), `README.md has no "${heading}" section`);
      }
      for (const runtime of ['node lessons/', 'npx tsx', 'deno run ', 'bun lessons/']) {
        assert.ok(readme.includes(runtime), `README.md does not say how to run it with ${runtime}`);
      }
    });

    test('the README ends with "Take it with you": npm run take for each file that runs', () => {
      const sections = [...readme.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
      assert.equal(sections.at(-1), 'Take it with you', 'the last section');
      const last = readme.slice(readme.lastIndexOf('## Take it with you'));
      for (const file of lesson.files) {
        if (readHeader(path.join(lesson.dir, file))?.importedBy) continue; // a module
        const command = `npm run take -- ${lesson.name.slice(0, 2)} ${file.replace(/\.ts$/, '')}`;
        assert.ok(last.includes(command), `no '${command}'`);
      }
    });

    test('has a demo, and the README has its transcript', () => {
      assert.ok(
        demos.some((demo) => demo.lesson === lesson.name),
        `no demo: add scripts/demos/${lesson.name}.ts`,
      );
      assert.match(
        readme,
        /<!-- transcript:[\s\S]*```text\n[\s\S]+\n```\n<!-- end of transcript -->/,
      );
    });

    // The rest of the checklist for a new lesson (README.md, "Adding a lesson"): the places
    // outside its folder that name it by hand.
    test('has a test file', () => {
      const testFile = `tests/${lesson.name}.test.ts`;
      assert.ok(existsSync(path.join(root, testFile)), `no test file: add ${testFile}`);
    });

    test('each of its servers is a robustness target', () => {
      const untargeted = lesson.files
        .filter((name) => isServer(path.join(lesson.dir, name)))
        .map((name) => `${folder}/${name}`)
        .filter((file) => !targets.some((target) => target.file === file));
      assert.deepEqual(
        untargeted,
        [],
        'servers with no robustness target: add an entry for each to scripts/lib/targets.ts',
      );
    });

    test("has a row in the README's lesson table", () => {
      const number = lesson.name.slice(0, 2);
      assert.equal(
        lessonRows.get(lesson.name),
        number,
        `add a row to the "## Lessons" table of README.md: | ${number} | [title](${folder}/) | … |`,
      );
    });

    for (const file of lesson.files) {
      test(`${file}: header, steps, imports and size`, () => {
        const source = readText(path.join(lesson.dir, file));
        const header = parseHeader(source);
        assert.ok(header, 'no header block with @title, @article, @run and a description');
        assert.match(
          header.title,
          /^[A-Za-z].* \(.*\p{Script=Han}.*\)$/u,
          '@title is "English (中文)"',
        );
        assert.match(header.article, /^\d{3} "/, '@article names the seed file and section');
        // A module (lines.ts, http.ts ...) also says which files import it, and each of them does.
        if (header.importedBy) {
          // Its @run lines run a program that imports it (every lesson file has the four).
          const program = header.run.match(/^node lessons\/[^/]+\/(\S+\.ts)\b/)?.[1] ?? '';
          assert.ok(header.importedBy.includes(program), '@run runs a file named in @imported-by');
          for (const user of header.importedBy) {
            const userFile = path.join(lesson.dir, user);
            assert.ok(existsSync(userFile), `@imported-by names ${user}, which does not exist`);
            const imports = importsOf(readText(userFile)).map((each) =>
              path.resolve(path.dirname(userFile), each),
            );
            assert.ok(imports.includes(path.join(lesson.dir, file)), `${user} does not import it`);
          }
          // … and no file imports it without being named there.
          for (const other of lessons) {
            for (const name of other.files) {
              const otherFile = path.join(other.dir, name);
              const targets = importsOf(readText(otherFile)).map((each) =>
                path.resolve(other.dir, each),
              );
              if (!targets.includes(path.join(lesson.dir, file))) continue;
              const named = path.relative(lesson.dir, otherFile).replaceAll('\\', '/');
              assert.ok(
                header.importedBy.includes(named),
                `${named} imports it: add it to @imported-by`,
              );
            }
          }
        }
        runLines(header.run, source);

        // The article's numbered steps, in order: 1., 2., 3. ...
        const steps = [...source.matchAll(/^\s*\/\/ (\d+)\. /gm)].map((match) => Number(match[1]));
        if (!isBasics) {
          assert.ok(steps.length >= 2, 'no numbered steps (// 1. ...)');
          assert.deepEqual(
            steps,
            [...steps].sort((a, b) => a - b),
            'steps out of order',
          );
        }

        // Only TypeScript that Deno, Bun and tsx all erase: no enums, namespaces or parameter
        // properties (tsc's erasableSyntaxOnly says the same).
        assert.doesNotMatch(source, /^\s*(export\s+)?(declare\s+)?(const\s+)?enum\s/m, 'no enum');
        assert.doesNotMatch(source, /^\s*(export\s+)?(declare\s+)?namespace\s/m, 'no namespace');
        assert.doesNotMatch(
          source,
          /constructor\s*\([^)]*\b(private|public|protected|readonly)\s/,
          'no parameter properties',
        );

        // Steps first: the article's step 1 comes soon after the imports (the options may come
        // first); the functions the steps call go below them.
        if (!isBasics) {
          const lines = source.slice(source.indexOf('*/') + 2).split('\n');
          const afterImports = lines.findLastIndex((line) => /^import |^} from '/.test(line)) + 1;
          const firstStep = lines.findIndex((line) => /^\s*\/\/ \d+\. /.test(line));
          const before = lines
            .slice(afterImports, firstStep)
            .filter((line) => !/^\s*(\/\/.*|\/\*\*.*|\*.*|)$/.test(line));
          assert.ok(
            before.length <= STEPS_WITHIN,
            `${before.length} lines of code before the first step; at most ${STEPS_WITHIN}`,
          );
        }

        // Imports: node: builtins, the one helpers module, and this lesson's own modules
        // (./x.ts): a lesson never needs another lesson's files.
        for (const target of importsOf(source)) {
          const ok =
            target.startsWith('node:') ||
            target === '../../shared/helpers.ts' ||
            (/^\.\/[\w-]+\.ts$/.test(target) && existsSync(path.join(lesson.dir, target)));
          assert.ok(ok, `import '${target}': only node: builtins, ../../shared/helpers.ts, ./x.ts`);
        }

        // The header block is the file's card, not its program: the budgets count the lines
        // after it.
        const { lines, code } = budgetLines(source);
        assert.ok(code <= CODE_BUDGET, `${code} lines of code; the budget is ${CODE_BUDGET}`);
        assert.ok(lines <= LINE_BUDGET, `${lines} lines; the budget is ${LINE_BUDGET}`);
        assert.ok(!source.includes('\t'), 'indent with spaces');
        // Width, as well as length: a line over 100 characters hides its end (the @run lines
        // of the header are commands to copy whole).
        const wide = source
          .split('\n')
          .map((line, index) => ({ line, number: index + 1 }))
          .filter(({ line }) => [...line].length > 100 && !line.startsWith(' * @run '));
        assert.deepEqual(
          wide.map(({ number }) => number),
          [],
          'lines over 100 characters (line numbers)',
        );
      });
    }
  });
}

test('shared/helpers.ts is plumbing only, imports only node: builtins and stays small', () => {
  const source = readText(path.join(root, 'shared', 'helpers.ts'));
  for (const target of importsOf(source)) assert.ok(target.startsWith('node:'), target);
  // What a lesson teaches (a reader, a parser, a protocol) lives in that lesson's folder.
  const exported = [...source.matchAll(/^export (?:async )?function\*? ?(\w+)/gm)].map((m) => m[1]);
  assert.deepEqual(exported.sort(), PLUMBING, 'a new export: is it plumbing, or a lesson idea?');
  const { lines, code } = budgetLines(source);
  assert.ok(code <= HELPER_BUDGET, `${code} lines of code; the budget is ${HELPER_BUDGET}`);
  assert.ok(lines <= LINE_BUDGET, `${lines} lines; the budget is ${LINE_BUDGET}`);
  const wide = source.split('\n').filter((line) => [...line].length > 100);
  assert.deepEqual(wide, [], 'lines over 100 characters');
});

// A lesson that uses an idea taught earlier keeps its own copy of that file (lessons import only
// their own folder), marked `@copy-of ../NN-slug/file.ts`: below the header, word for word the
// file of the lesson that teaches it, so a fix made there must be made in every copy.
test('every @copy-of file is its source word for word below the header', () => {
  let copies = 0;
  for (const lesson of lessons) {
    for (const file of lesson.files) {
      const source = readText(path.join(lesson.dir, file));
      const of = source.match(/^ \* @copy-of (\S+)$/m)?.[1];
      if (!of) continue;
      copies++;
      const original = path.join(lesson.dir, of);
      assert.ok(existsSync(original), `${lesson.name}/${file}: @copy-of ${of} does not exist`);
      const text = readText(original);
      assert.doesNotMatch(text, /^ \* @copy-of /m, `${of} is a copy itself: name the source`);
      const body = (code: string) => code.slice(code.indexOf('\n */\n') + 4);
      assert.equal(body(source), body(text), `${lesson.name}/${file} differs from ${of}`);
    }
  }
  assert.ok(copies > 0, 'no @copy-of files found: the pattern no longer matches the headers');
});

test('package.json has no runtime dependencies', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.dependencies, undefined);
  assert.equal(pkg.type, 'module');
});

test('the README names the Node versions that CI tests, and .ci/run tests every one', () => {
  const readme = readText(path.join(root, 'README.md'));
  const ci = readText(path.join(root, '.ci', 'run'));
  for (const [major, version] of Object.entries(testedNode)) {
    assert.ok(readme.includes(version), `README.md does not name Node ${version}`);
    assert.match(
      ci,
      new RegExp(`^npm run test:node -- .*\\b${major}\\b`, 'm'),
      `.ci/run skips ${major}`,
    );
  }
  assert.ok(ci.includes('\nnpm test\n'), '.ci/run runs the README’s test command');
});

test('the README maps every program of the articles to a lesson file', () => {
  // Complete program listings in each article, counted by reading them: 000 has five UDP
  // programs, a TCP client, three TCP servers and the file client and server; 001 the echo pair,
  // the web server, and the ssh and ftp pairs; 002 one server and two clients; 003 a server and a
  // client each for UDP, TCP, the file download and the epoll chat; 004 a TCP client, a TCP
  // server and the HTTP server.
  const programsPerArticle = { '000': 11, '001': 7, '002': 3, '003': 8, '004': 3 };
  const readme = readText(path.join(root, 'README.md'));
  const section = readme.split(/^## Every program of the articles\n/m)[1]?.split(/^## /m)[0];
  assert.ok(section, 'README.md has no "## Every program of the articles" section');
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2) // the header row and the |---| row
    .map((line) => line.slice(1, -1).split('|'))
    .map((cells) => cells.map((cell) => cell.trim()));
  const counts: Record<string, number> = {};
  const named = new Set<string>();
  for (const row of rows) {
    assert.equal(row.length, 4, `four cells: ${row.join(' | ')}`);
    const [article, , , lessonCell] = row;
    assert.match(article, /^\d{3}$/, `article number: ${row.join(' | ')}`);
    counts[article] = (counts[article] ?? 0) + 1;
    // A file is named by a link, [text](lessons/...), or by a command, `lessons/... --option`.
    const files = [
      ...[...lessonCell.matchAll(/\]\(([^)]+)\)/g)].map((match) => match[1]),
      ...[...lessonCell.matchAll(/`(lessons\/\S+)[^`]*`/g)].map((match) => match[1]),
    ];
    if (lessonCell === 'not yet') continue;
    assert.ok(files.length > 0, `no lesson file named: ${row.join(' | ')}`);
    for (const file of files) {
      assert.ok(existsSync(path.join(root, file)), `${file} does not exist`);
      named.add(file);
    }
  }
  assert.deepEqual(counts, programsPerArticle, 'rows per article');
  // Every lesson file with a header of its own is named, except lesson 00's (the articles print
  // no program about addresses and interfaces) and those of the lessons beyond the articles
  // (listed as such in the lesson table): no article program, so no row for them.
  const mirrors = (lesson: { name: string }) =>
    !lesson.name.startsWith('00-') && !beyond.has(lesson.name);
  for (const lesson of lessons.filter(mirrors)) {
    for (const file of lesson.files) {
      if (!readHeader(path.join(lesson.dir, file))) continue;
      const relative = `lessons/${lesson.name}/${file}`;
      assert.ok(
        named.has(relative),
        `${relative} is in no row: add it to the "## Every program of the articles" table of README.md`,
      );
    }
  }
});
