// 中文版: every README has a Chinese one (README.zh-CN.md), and the two are kept in step by
// these checks, not by promises: the same transcript, the same Python → Node table (the code
// cells identical), as many pitfalls, the glossary's terms, and links that resolve. A Chinese
// README that is mostly English fails.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { transcriptIn } from '../scripts/lib/demo.ts';
import { diagramIn } from '../scripts/lib/diagram.ts';
import { root } from '../scripts/lib/proc.ts';

const read = (file: string) => readFileSync(file, 'utf8').replaceAll('\r\n', '\n');
const folders = [
  root,
  ...readdirSync(path.join(root, 'lessons'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d\d-/.test(entry.name))
    .map((entry) => path.join(root, 'lessons', entry.name)),
];
const label = (dir: string) => path.relative(root, dir) || '(root)';

/** The text under a `## heading`, up to the next `## `. */
function section(text: string, heading: string): string | undefined {
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) return undefined;
  const rest = text.slice(start + heading.length + 5);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The body rows of the first table in `text`, each as its cells. */
function tableRows(text: string): string[][] {
  const lines = text.split('\n').filter((line) => line.startsWith('|'));
  return lines
    .slice(2) // the header and the |---| line
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** The `code` spans of a cell, in order. */
const codeOf = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

/** The top-level bullets of a list. */
const bullets = (text: string) => text.split('\n').filter((line) => /^- /.test(line));

/** Prose only: no fenced blocks, no inline code, no link targets, no HTML comments. */
const prose = (text: string) =>
  text
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, '')
    .replace(/\]\([^)]*\)/g, ']')
    .replace(/<!--[\s\S]*?-->/g, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  const text = read(file).replace(/```[\s\S]*?```/g, '');
  for (const match of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(match[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

// The glossary's second table: English term → the Chinese every README uses.
const glossary = new Map<string, string>();
for (const row of tableRows(
  read(path.join(root, 'GLOSSARY.zh-CN.md'))
    .split(/\n\n(?=\| English \| 中文)/)
    .at(-1) ?? '',
)) {
  glossary.set(row[0], row[1]);
}

describe('中文 READMEs: one beside every English README, kept in step', () => {
  for (const dir of folders) {
    const en = path.join(dir, 'README.md');
    const zh = path.join(dir, 'README.zh-CN.md');
    test(`${label(dir)}: README.zh-CN.md exists, and each links the other on its first line`, () => {
      assert.ok(existsSync(zh), `write ${path.relative(root, zh)}`);
      assert.equal(read(en).split('\n')[0], 'English · [中文](README.zh-CN.md)');
      assert.equal(read(zh).split('\n')[0], '[English](README.md) · 中文');
    });
    if (!existsSync(zh)) continue;
    const [english, chinese] = [read(en), read(zh)];

    test(`${label(dir)}: the Chinese README is mostly Chinese`, () => {
      const text = prose(chinese);
      const han = (text.match(/\p{Script=Han}/gu) ?? []).length;
      const latin = (text.match(/[A-Za-z]+/g) ?? []).length; // English words
      assert.ok(han >= 2 * latin, `${han} Chinese characters, ${latin} English words outside code`);
    });

    if (dir === root) continue;
    test(`${label(dir)}: the same transcript, Python → Node table and pitfalls`, () => {
      assert.equal(transcriptIn(chinese), transcriptIn(english), 'the transcript');
      assert.equal(diagramIn(chinese), diagramIn(english), 'the diagram of the traffic');
      const [enTable, zhTable] = [
        section(english, 'Python → Node'),
        section(chinese, 'Python → Node'),
      ];
      assert.ok(zhTable, 'no "## Python → Node" section');
      const [enRows, zhRows] = [tableRows(enTable ?? ''), tableRows(zhTable)];
      assert.equal(zhRows.length, enRows.length, 'as many rows as the English table');
      enRows.forEach((row, index) => {
        assert.deepEqual(zhRows[index].map(codeOf), row.map(codeOf), `row ${index + 1}: the code`);
      });
      const pitfalls = section(chinese, '文章的问题 → 本课的做法');
      assert.ok(pitfalls, 'no "## 文章的问题 → 本课的做法" section');
      assert.equal(
        bullets(pitfalls).length,
        bullets(section(english, 'Pitfalls') ?? '').length,
        'one entry for each English pitfall, in the same order',
      );
      for (const heading of ['导读', '术语', '带回家']) {
        assert.ok(section(chinese, heading) !== undefined, `no "## ${heading}" section`);
      }
      const headings = [...chinese.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
      assert.equal(headings.at(-1), '带回家', 'the last section is 带回家');
    });

    test(`${label(dir)}: the terms are the English README's, named as the glossary names them`, () => {
      const enTerms = tableRows(section(english, 'Terms') ?? '').map((row) => row[0]);
      const zhTerms = tableRows(section(chinese, '术语') ?? '');
      assert.deepEqual(
        zhTerms.map((row) => row[0]),
        enTerms,
        'the same English terms, in order',
      );
      for (const [term, chineseTerm] of zhTerms) {
        assert.ok(glossary.has(term), `'${term}' is not in GLOSSARY.zh-CN.md`);
        assert.equal(chineseTerm, glossary.get(term), `'${term}'`);
      }
      for (const [term, chineseTerm] of tableRows(section(english, 'Terms') ?? '')) {
        assert.equal(chineseTerm, glossary.get(term), `English README: '${term}'`);
      }
    });
  }
});

test("the root README.zh-CN.md links every lesson's Chinese README", () => {
  const text = read(path.join(root, 'README.zh-CN.md'));
  for (const dir of folders.slice(1)) {
    const link = `](${path.relative(root, dir)}/README.zh-CN.md)`;
    assert.ok(text.includes(link), `no link to ${path.relative(root, dir)}/README.zh-CN.md`);
  }
});

test('every relative link and #anchor of every README, in both languages, resolves', () => {
  const files = folders
    .flatMap((dir) => ['README.md', 'README.zh-CN.md'].map((name) => path.join(dir, name)))
    .concat(path.join(root, 'GLOSSARY.zh-CN.md'))
    .filter(existsSync);
  const broken: string[] = [];
  for (const file of files) {
    const text = read(file).replace(/```[\s\S]*?```/g, '');
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1];
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const [where, anchor] = target.split('#');
      const resolved = where ? path.resolve(path.dirname(file), where) : file;
      const name = `${path.relative(root, file)}: ${target}`;
      if (!existsSync(resolved)) broken.push(`${name} (no such file)`);
      else if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor))
        broken.push(`${name} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
});
