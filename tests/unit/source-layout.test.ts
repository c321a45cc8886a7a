import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The shape of src/ that keeps it readable: no module reaches back into one that imports it (type-only
// imports included, since they tie the two files' meaning just the same), and no file grows past the
// size at which it has more than one job.

const srcDir = fileURLToPath(new URL('../../src', import.meta.url));
const MAX_LINES = 300;

function sourceFiles(): string[] {
  return readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .filter((rel) => rel.endsWith('.ts'))
    .map((rel) => path.join(srcDir, rel))
    .sort();
}

/** The relative modules a file imports or re-exports, as absolute .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"](\.[^'"]+)['"]/gm), ...text.matchAll(/^\s*import\s+['"](\.[^'"]+)['"]/gm)];
  return specifiers.map((m) => path.resolve(path.dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts')));
}

/** Every cycle's files, found by depth-first search over the import graph. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

test('when the modules of src/ are walked through their imports, then no import leads back to where it started', () => {
  const graph = new Map(sourceFiles().map((file) => [file, importsOf(file)]));
  const cycles = findCycles(graph).map((cycle) => cycle.map((f) => path.relative(srcDir, f)).join(' → '));
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join('\n')}`);
});

test(`when the files of src/ are measured, then none is longer than ${MAX_LINES} lines`, () => {
  const long = sourceFiles()
    .map((file) => ({ file: path.relative(srcDir, file), lines: readFileSync(file, 'utf8').split('\n').length }))
    .filter((f) => f.lines > MAX_LINES);
  assert.deepEqual(long, []);
});
