// Run by node.exe under Wine (scripts/lib/wine.ts): each lesson demo named on the command line,
// server and clients on this Windows Node, started with Windows pipes. Prints one JSON object,
// lesson → the transcript as a README shows it (or why the demo did not finish).
import { loadDemos, render, runDemo } from './demo.ts';

const wanted = process.argv.slice(2);
const results: Record<string, string> = {};
for (const demo of await loadDemos()) {
  if (!wanted.some((want) => demo.lesson.startsWith(want))) continue;
  try {
    const { blocks, port } = await runDemo(demo, undefined, { server: 'node', client: 'node' });
    results[demo.lesson] = render(demo, blocks, port);
  } catch (err) {
    results[demo.lesson] = `(the demo did not finish: ${(err as Error).message})`;
  }
}
console.log(JSON.stringify(results));
