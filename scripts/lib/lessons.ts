// The lessons on disk and their header blocks, for the tour and the contract test.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { root } from './proc.ts';

export interface Header {
  title: string;
  article: string;
  /** The first @run line: how to run this file, or, in a module, the program that uses it. */
  run: string;
  /** A module, which does not run on its own: the files that import it (@imported-by). */
  importedBy?: string[];
  about: string;
}

export interface Lesson {
  name: string; // 03-tcp-hello
  dir: string; // absolute path
  files: string[]; // the .ts files, sorted
}

export function listLessons(): Lesson[] {
  const lessonsDir = path.join(root, 'lessons');
  return readdirSync(lessonsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d\d-[a-z0-9-]+$/.test(entry.name))
    .map((entry) => {
      const dir = path.join(lessonsDir, entry.name);
      // server.ts first, then client.ts, then any others: the order you start them in.
      const rank = (file: string) => ['server.ts', 'client.ts'].indexOf(file) >>> 0;
      const files = readdirSync(dir)
        .filter((file) => file.endsWith('.ts'))
        .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
      return { name: entry.name, dir, files };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Parse the leading doc comment: @title, @article, @run (or, in a module, @imported-by), then
 * the free text. Null if any is missing.
 * Lines may end with CRLF (a checkout on Windows) as well as LF.
 */
export function parseHeader(source: string): Header | null {
  const block = source.replaceAll('\r\n', '\n').match(/^\/\*\*\n([\s\S]*?)\n \*\//);
  if (!block) return null;
  const lines = block[1].split('\n').map((line) => line.replace(/^ \* ?/, ''));
  const tag = (name: string) =>
    lines.find((line) => line.startsWith(`@${name} `))?.slice(name.length + 2);
  const about = lines
    .filter((line) => !line.startsWith('@'))
    .join(' ')
    .trim();
  // A long @imported-by list may go on over several @imported-by lines.
  const importers = lines
    .filter((line) => line.startsWith('@imported-by '))
    .map((line) => line.slice(13));
  const by = importers.length ? importers.join(', ') : undefined;
  const [title, article, run] = [tag('title'), tag('article'), tag('run')];
  if (!title || !article || !run || !about) return null;
  if (by) return { title, article, run, importedBy: by.split(/,\s*/).filter(Boolean), about };
  return { title, article, run, about };
}

/** The lesson's title: the first heading of its README. */
export function lessonTitle(lesson: Lesson): string {
  try {
    const readme = readFileSync(path.join(lesson.dir, 'README.md'), 'utf8');
    return readme.match(/^# (.+)$/m)?.[1] ?? lesson.name;
  } catch {
    return lesson.name;
  }
}

export function readHeader(file: string): Header | null {
  return parseHeader(readFileSync(file, 'utf8'));
}
