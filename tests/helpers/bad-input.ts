/**
 * The committed bad-input corpus (tests/fixtures/bad-input): its manifest, its files, and what a
 * page must look like when it shows hostile text.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const CORPUS_DIR = fileURLToPath(new URL('../fixtures/bad-input/', import.meta.url));

/** A string, or one too long to write out in JSON: `repeat` `times` times, then `then`. */
export type Text = string | { repeat: string; times: number; then?: string };

export interface PartSpec {
  name: Text;
  filename?: Text;
  content: Text;
  /** The same part this many times. */
  copies?: number;
}

export type Send =
  /** The form's file field holds this corpus file, under `filename` (default: its own name without .gz). */
  | { upload: string; filename?: Text }
  /** A multipart body of these parts; the session's token goes first unless a part is named _csrf. */
  | { parts: PartSpec[] }
  /** This corpus file is the whole body; `tokenHeader` sends the token as X-CSRF-Token. */
  | { raw: string; contentType: string; tokenHeader?: boolean };

export interface Expect {
  status: number;
  /** Refused: a phrase of the message the page shows. */
  message?: string;
  /** Accepted: the report's name, exactly or as a pattern. */
  name?: Text;
  namePattern?: string;
  /** Accepted: some of the report's rows, by line. */
  items?: Array<{ line: number; input?: string; status?: string }>;
}

export interface Case {
  id: string;
  what: string;
  send: Send;
  expect: Expect;
}

export interface Manifest {
  maxUploadMb: number;
  cases: Case[];
}

export const expand = (text: Text): string => (typeof text === 'string' ? text : text.repeat.repeat(text.times) + (text.then ?? ''));

export function loadManifest(): Manifest {
  return JSON.parse(readFileSync(join(CORPUS_DIR, 'cases.json'), 'utf8')) as Manifest;
}

export function corpusCase(id: string): Case {
  const found = loadManifest().cases.find((c) => c.id === id);
  assert.ok(found, `no case ${id} in cases.json`);
  return found;
}

/** A corpus file's bytes; large ones are committed gzipped. */
export function readCorpus(file: string): Buffer {
  const bytes = readFileSync(join(CORPUS_DIR, file));
  return file.endsWith('.gz') ? gunzipSync(bytes) : bytes;
}

/** Every file of the corpus but its own description. */
export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR).filter((f) => !['README.md', 'cases.json', '.gitattributes'].includes(f));
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** HTML as the browser would show its text: entities decoded, markup left as it is. */
export function decodeEntities(html: string): string {
  return html.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, ref: string) => {
    if (ref.startsWith('#x') || ref.startsWith('#X')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number(ref.slice(1)));
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** `value` is on the page as text, and, where it holds markup characters, never as raw markup. */
export function assertShownEscaped(html: string, value: string, where: string): void {
  assert.ok(decodeEntities(html).includes(value), `${where} does not show ${JSON.stringify(value.slice(0, 80))}`);
  if (/[<>"'&]/.test(value)) assert.ok(!html.includes(value), `${where} has ${JSON.stringify(value.slice(0, 80))} unescaped`);
}

/** RFC 4180 CSV, enough for the export: quoted cells, doubled quotes, CRLF rows. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      if (ch === '\r') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

/** What a spreadsheet runs as a formula when a cell starts with it. */
export const FORMULA_START = /^[=+\-@\t\r]/;
