// Text for the report PDF (files/pdf.ts): what the built-in fonts can print, cells cut to their
// column, and the pen that sets font, size and colour only when they change.

/** Courier, the input column's font: pdfkit's name for it. */
const MONO = 'Courier';

/**
 * The built-in PDF fonts only cover Windows-1252: anything else would print as garbage, so it
 * becomes "?" (the CSV and JSON exports carry the exact text). Its punctuation beyond Latin-1 (dashes,
 * quotes, the ellipsis) stays: empty cells print as "—".
 */
export function printable(text: string): string {
  return text.replace(/[^\u0020-\u007e\u00a0-\u00ff\u2013\u2014\u2018\u2019\u201c\u201d\u2026]/g, '?');
}

export function fit(doc: PDFKit.PDFDocument, text: string, width: number): string {
  const clean = printable(text);
  if (doc.widthOfString(clean) <= width) return clean;
  let cut = clean;
  while (cut.length > 1 && doc.widthOfString(`${cut}…`) > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Courier's every glyph is 600/1000 of the size wide: the input column is cut by counting, not measuring. */
export function fitMono(text: string, width: number, size: number): string {
  const clean = printable(text);
  const room = Math.floor(width / (0.6 * size));
  return clean.length <= room ? clean : `${clean.slice(0, Math.max(1, room - 1))}…`;
}

/** Font, size and colour set only when they change: setting them for each of a million cells was a good share of the work. */
export class Pen {
  private current = '';
  constructor(private readonly doc: PDFKit.PDFDocument) {}
  set(font: string, size: number, colour: string): void {
    const key = `${font}/${size}/${colour}`;
    if (key === this.current) return;
    this.current = key;
    this.doc.font(font).fontSize(size).fillColor(colour);
    rememberEncodings(this.doc);
  }
}

type Encoder = { name?: string; font?: { encodeText(text: string): string[] }; encode(text: string, features?: unknown): unknown };

/** Courier: every glyph 600 units wide and no kerning, so its advances need no lookup (every input cell is new text). */
function courierEncoding(font: Encoder, text: string): unknown {
  const encoded = font.font?.encodeText(text) ?? [];
  return [encoded, encoded.map(() => ({ xAdvance: 600, yAdvance: 0, xOffset: 0, yOffset: 0, advanceWidth: 600 }))];
}
const remembering = new WeakSet<Encoder>();

/**
 * pdfkit turns each string into glyph codes and kerned advances (a lookup per pair of letters) every
 * time it is drawn; a table repeats the same few hundred strings (types, verdicts, dates, names) a
 * hundred thousand times. The document's font objects keep the answers for the strings they have
 * seen (pdfkit only reads them). `_font` is pdfkit's own field: the one place this file reaches in.
 */
function rememberEncodings(doc: PDFKit.PDFDocument): void {
  const font = (doc as unknown as { _font?: Encoder })._font;
  if (!font || remembering.has(font)) return;
  remembering.add(font);
  if (font.name === MONO && font.font) {
    font.encode = (text: string) => courierEncoding(font, text);
    return;
  }
  const encode = font.encode.bind(font);
  const seen = new Map<string, unknown>();
  font.encode = (text: string, features?: unknown) => {
    let encoded = seen.get(text);
    if (encoded === undefined) {
      encoded = encode(text, features);
      if (seen.size < 2_000) seen.set(text, encoded);
    }
    return encoded;
  };
}


interface PdfkitInternals {
  _font: { id: string; ascender: number; ref(): unknown; encode(text: string): unknown };
  _fontSize: number;
  page: { height: number; fonts: Record<string, unknown> };
}

const num = (n: number) => String(Math.round(n * 100) / 100);

/**
 * Writes `text` at (x, y), top-left as for doc.text(), in the pen's font, size and colour, as the
 * few PDF operators it takes. doc.text() runs pdfkit's whole layout (options, a save and restore, a
 * transform, kerned segments) for each of a table's nine cells a row; this is a quarter of its cost.
 * Letters are not kerned (the table's cells are short, in 7 pt). Reaches into pdfkit's own state for
 * the font and the page's font resources, as its text code does.
 */
export function placeText(doc: PDFKit.PDFDocument, text: string, x: number, y: number): void {
  if (text === '') return;
  const internal = doc as unknown as PdfkitInternals;
  const { _font: font, _fontSize: size, page } = internal;
  if (page.fonts[font.id] == null) page.fonts[font.id] = font.ref();
  const [encoded] = font.encode(text) as [string[]];
  const baseline = page.height - y - (font.ascender / 1000) * size;
  doc.addContent(`q 1 0 0 -1 0 ${num(page.height)} cm BT 1 0 0 1 ${num(x)} ${num(baseline)} Tm /${font.id} ${num(size)} Tf <${encoded.join('')}> Tj ET Q`);
}
