// A lesson file as one self-contained file, for homework: the lesson as it is, then below it the
// code it imports from lesson modules (lines.ts, shell.ts …) and from shared/helpers.ts, only
// what it uses. `npm run take` writes it; tests/take.test.ts runs every lesson's demo with them.
//
// The files it reads are formatted by Biome, so a top-level statement starts at column 0 and
// its other lines are indented or close a bracket. Function declarations and types go below
// the lesson (functions are hoisted); anything else a module runs at the top (a constant, a
// handler it installs) goes above the lesson, so it is ready before the lesson's first line.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root } from './proc.ts';

interface Statement {
  text: string;
  /** The name it declares, if any. */
  name?: string;
  kind: 'import' | 'function' | 'type' | 'setup';
}

interface Import {
  from: string;
  defaultName?: string;
  names: string[]; // as written: 'x', 'type X', 'a as b'
  typeOnly: boolean;
}

/** Split a formatted TypeScript file into its top-level statements (with their comments). */
function statements(source: string): Statement[] {
  const lines = source.replaceAll('\r\n', '\n').split('\n');
  const result: Statement[] = [];
  let current: string[] = [];
  let comments: string[] = [];
  const flush = () => {
    if (current.length === 0) return;
    const text = [...comments, ...current].join('\n').replace(/\n+$/, '');
    const first = current[0];
    const declared = first.match(
      /^(?:export\s+)?(?:async\s+)?(?:function\*?|const|let|var|type|interface|class)\s+([A-Za-z_$][\w$]*)/,
    );
    let kind: Statement['kind'] = 'setup';
    if (/^import\s/.test(first)) kind = 'import';
    else if (/^(?:export\s+)?(?:async\s+)?function/.test(first)) kind = 'function';
    else if (/^(?:export\s+)?(?:type|interface)\s/.test(first)) kind = 'type';
    result.push({ text, name: declared?.[1], kind });
    current = [];
    comments = [];
  };
  let inBlockComment = false;
  for (const line of lines) {
    const starts = line.length > 0 && !/^[\s})\]]/.test(line);
    if (inBlockComment) {
      (current.length ? current : comments).push(line);
      if (line.includes('*/')) inBlockComment = false;
      continue;
    }
    if (starts && (line.startsWith('//') || line.startsWith('/*'))) {
      if (current.length) flush();
      comments.push(line);
      if (line.startsWith('/*') && !line.includes('*/')) inBlockComment = true;
      continue;
    }
    if (starts) {
      flush();
      current.push(line);
    } else if (line === '') {
      if (current.length) current.push(line);
      else comments = []; // a blank line parts a comment from what follows
    } else {
      (current.length ? current : comments).push(line);
    }
  }
  flush();
  return result;
}

function parseImport(text: string): Import | null {
  const flat = text.replace(/\s+/g, ' ');
  const match = flat.match(/^import (type )?(?:([\w$]+)(?:, )?)?(?:\{([^}]*)\})? ?from '([^']+)';/);
  if (!match) return null;
  const names = (match[3] ?? '')
    .split(',')
    .map((each) => each.trim())
    .filter(Boolean);
  return { from: match[4], defaultName: match[2], names, typeOnly: Boolean(match[1]) };
}

/** The bare name an import binds: `type X` → X, `a as b` → b. */
const bound = (name: string) =>
  name
    .replace(/^type /, '')
    .split(' as ')
    .at(-1) as string;

const header = (source: string) => source.match(/^\/\*\*\n[\s\S]*?\n \*\/\n/)?.[0] ?? '';

export interface Taken {
  /** The file's text. */
  text: string;
  /** What came along: the modules (relative to the repo) and the functions used. */
  inlined: { module: string; names: string[] }[];
  /** Files beside the lesson that it reads by name (09's .html templates), to copy as well. */
  assets: string[];
}

/** The standalone text of `file` (a path to a lesson file). */
export function take(file: string): Taken {
  const absolute = path.resolve(root, file);
  const relative = path.relative(root, absolute).replaceAll('\\', '/');
  const nodeImports = new Map<string, { defaultName?: string; names: Map<string, boolean> }>();
  const above: string[] = []; // setup statements of the inlined modules
  const below: string[] = []; // their functions and types
  const inlined: Taken['inlined'] = [];
  const seen = new Set<string>();

  const addNodeImport = (each: Import) => {
    const known = nodeImports.get(each.from) ?? { defaultName: undefined, names: new Map() };
    nodeImports.set(each.from, known);
    known.defaultName ??= each.defaultName;
    for (const name of each.names) {
      const isType = each.typeOnly || name.startsWith('type ');
      const plain = name.replace(/^type /, '');
      known.names.set(plain, (known.names.get(plain) ?? true) && isType); // a value wins
    }
  };

  // Bring in `wanted` names of the module at `modulePath`, and what they use in turn.
  const inline = (modulePath: string, wanted: string[]) => {
    const source = readFileSync(modulePath, 'utf8');
    const parts = statements(source.slice(header(source).length));
    const declared = new Map<string, Statement>();
    for (const part of parts) if (part.name) declared.set(part.name, part);
    const needed = new Set<string>();
    const visit = (name: string) => {
      const part = declared.get(name);
      if (!part || needed.has(name)) return;
      needed.add(name);
      for (const other of declared.keys()) {
        if (other !== name && new RegExp(`\\b${other.replace('$', '\\$')}\\b`).test(part.text))
          visit(other);
      }
    };
    for (const name of wanted) visit(name);
    // Statements with no name (a handler installed at import) run as the import would run them.
    for (const part of parts) {
      if (part.kind === 'import') continue;
      if (part.name && !needed.has(part.name)) continue;
      const key = `${modulePath}:${part.name ?? part.text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      (part.kind === 'setup' ? above : below).push(part.text.replace(/^export /m, ''));
    }
    const label = path.relative(root, modulePath).replaceAll('\\', '/');
    const functions = [...needed].filter((name) => declared.get(name)?.kind === 'function');
    inlined.push({ module: label, names: functions.sort() });
    for (const part of parts.filter((each) => each.kind === 'import')) {
      const each = parseImport(part.text);
      if (!each) throw new Error(`${label}: cannot read the import: ${part.text}`);
      if (each.from.startsWith('node:')) addNodeImport(each);
      else inline(path.resolve(path.dirname(modulePath), each.from), each.names.map(bound));
    }
  };

  const source = readFileSync(absolute, 'utf8');
  const lessonHeader = header(source);
  // The lesson's own text stays as it is, comments and imports of Node's modules too: only the
  // imports of our files go, replaced by the code below.
  let lessonText = source.replaceAll('\r\n', '\n').slice(lessonHeader.length);
  const lessonImports = new Map<string, Set<string>>(); // node: module → names the lesson binds
  let lastNodeImport = '';
  for (const part of statements(lessonText).filter((each) => each.kind === 'import')) {
    const text = part.text.slice(part.text.search(/^import /m));
    const each = parseImport(text);
    if (!each) throw new Error(`${relative}: cannot read the import: ${text}`);
    if (each.from.startsWith('node:')) {
      const names = lessonImports.get(each.from) ?? new Set();
      for (const name of [...each.names.map(bound), each.defaultName ?? '']) names.add(name);
      lessonImports.set(each.from, names);
      lastNodeImport = text;
    } else {
      lessonText = lessonText.replace(`${text}\n`, '');
      inline(path.resolve(path.dirname(absolute), each.from), each.names.map(bound));
    }
  }

  // Imports the inlined code needs that the lesson does not have already.
  const inlinedCode = [...above, ...below].join('\n');
  const uses = (name: string) =>
    new RegExp(`\\b${name.replace('$', '\\$')}\\b`).test(inlinedCode) && !lessonBinds(name);
  const lessonBinds = (name: string) => [...lessonImports.values()].some((set) => set.has(name));
  const importLines = [...nodeImports.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([from, each]) => {
      const names = [...each.names]
        .filter(([name]) => uses(name))
        .sort(([a], [b]) => a.localeCompare(b));
      const defaultName = each.defaultName && uses(each.defaultName) ? each.defaultName : '';
      if (!names.length && !defaultName) return [];
      const allTypes = !defaultName && names.every(([, isType]) => isType);
      const list = names.map(([name, isType]) => (isType && !allTypes ? `type ${name}` : name));
      const parts = [defaultName, list.length ? `{ ${list.join(', ')} }` : ''].filter(Boolean);
      return [`import ${allTypes ? 'type ' : ''}${parts.join(', ')} from '${from}';`];
    });
  const cut = lastNodeImport ? lessonText.indexOf(lastNodeImport) + lastNodeImport.length + 1 : 0;
  const setup = above.length
    ? `\n// Set up before the lesson starts (from the code below it).\n${above.join('\n\n')}\n`
    : '';
  const extra = importLines.length ? `${importLines.join('\n')}\n` : '';
  lessonText = `${lessonText.slice(0, cut)}${extra}${setup}${lessonText.slice(cut)}`.trimEnd();
  const code = [lessonText, ...below].join('\n');

  // Files the code reads by name from its own folder (09's templates).
  const folder = path.dirname(absolute);
  const assets = [...code.matchAll(/'([\w-]+\.(?:html|txt|json))'/g)]
    .map((match) => match[1])
    .filter((name, index, all) => all.indexOf(name) === index)
    .filter((name) => existsSync(path.join(folder, name)));

  const name = path.basename(absolute);
  const lesson = relative.split('/')[1];
  const took = `// Taken from socket-lessons: ${relative} (npm run take -- ${lesson.slice(0, 2)} ${name.replace(/\.ts$/, '')}).`;
  // Which functions came along, wrapped to 100 columns as the lessons are.
  const words = inlined.flatMap((each) => {
    return each.names.length ? [`${each.names.join(', ')} from ${each.module};`] : [];
  });
  const wrapped: string[] = [];
  const said = `Below the lesson, what it imported: ${words.join(' ')}`.replace(/;$/, '.');
  for (const word of said.split(' ')) {
    const last = wrapped.at(-1);
    if (last !== undefined && `${last} ${word}`.length <= 96)
      wrapped[wrapped.length - 1] = `${last} ${word}`;
    else wrapped.push(word);
  }
  const note = words.length
    ? wrapped.map((line) => `// ${line}`).join('\n')
    : '// It imports nothing but Node itself.';
  const card = lessonHeader.replaceAll(`${relative.replace(/[^/]+$/, '')}`, '');
  const sections = [
    `${took}\n${note}\n${card}${lessonText}`,
    below.length
      ? `// ─── What the lesson imported, inlined so that this file runs on its own ───\n\n${below.join('\n\n')}`
      : '',
  ].filter(Boolean);
  return { text: `${sections.join('\n\n')}\n`, inlined, assets };
}

/** The nearest package.json at or above `dir`, if any. */
function nearestPackage(dir: string): string | undefined {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const file = path.join(at, 'package.json');
    if (existsSync(file)) return file;
    if (path.dirname(at) === at) return undefined;
  }
}

/**
 * Write the standalone copy of `file` into the folder `out`, with the files it reads. The copies
 * use `import` and top-level `await`: an ES module. Where no package.json says how to read .ts
 * files, tsx would take them for CommonJS, so a one-line package.json says "module". Returns
 * what it wrote, and a warning when a package.json there says otherwise.
 */
export function writeTaken(file: string, out: string) {
  const taken = take(file);
  const name = path.basename(file);
  const written = [path.join(out, name)];
  writeFileSync(written[0], taken.text);
  for (const asset of taken.assets) {
    copyFileSync(path.join(path.dirname(path.resolve(root, file)), asset), path.join(out, asset));
    written.push(path.join(out, asset));
  }
  const found = nearestPackage(out);
  let warning = '';
  if (!found) {
    writeFileSync(path.join(out, 'package.json'), '{ "type": "module" }\n');
    written.push(path.join(out, 'package.json'));
  } else if (JSON.parse(readFileSync(found, 'utf8')).type !== 'module') {
    warning = `${found} does not say "type": "module": add it, or rename ${name} to .mts`;
  }
  return { ...taken, written, warning };
}
