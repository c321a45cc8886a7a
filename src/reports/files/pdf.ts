import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import type { ReportItemRow } from '../report.table.js';
import type { Counts, ReportSummary } from '../report-summary.js';
import type { ItemFilter } from '../report.schemas.js';
import { isNetworkType, TYPE_LABELS, VERDICT_LABELS } from '../report-links.js';
import { drainedOrClosed } from './text-stream.js';
import { fit, fitMono, Pen, placeText, printable } from './pdf-pen.js';

/** What the PDF says about the report besides its rows. */
export interface PdfHeader {
  report: ReportSummary;
  ownerEmail: string;
  /** The filter the rows were chosen by, in words, or null for every row. */
  filter: string | null;
  generatedAt: Date;
  /** Printed in red under the title and in every footer (the demo: its results are simulated). */
  notice?: string | null;
  /**
   * How many rows `rows` will give, counted just before: the footer's "page N of M" is drawn as each
   * page is finished, so no page is kept in memory. (A report whose rows change verdict while its
   * filtered PDF is drawn can end a page early or late; a page past M then says "of N".)
   */
  rowCount: number;
}

const MARGIN = 40;
/** The footer sits inside the page's bottom margin, where text would otherwise start a new page. */
const BOTTOM_MARGIN = 20;
const TABLE_BOTTOM = 595.28 - MARGIN;
const PAGE = { width: 841.89, height: 595.28 }; // A4 landscape: the table has room for a SHA-256
const ROW_HEIGHT = 14;
const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const MONO = 'Courier';

// Cells in 7 pt, the input in Courier 7.5 (pdf.js reads smaller Courier back as separate letters),
// headers 8 pt bold: the input column keeps room for a whole SHA-256 (288 pt), the others for their
// usual longest text ("Not suspicious", a full analysis date); the widths add up to the 760 pt between margins.
const COLUMNS = [
  { label: 'Line', width: 24, align: 'right' as const },
  { label: 'Input', width: 294, font: MONO },
  { label: 'Type', width: 40 },
  { label: 'Verdict', width: 52 },
  { label: 'Detections', width: 48, align: 'right' as const },
  { label: 'Fortinet', width: 74 },
  { label: 'File name', width: 72 },
  { label: 'Threat label', width: 78 },
  { label: 'Last analysis', width: 78 },
];
const VERDICT_COLUMN = 3;

const VERDICT_COLOURS: Record<string, string> = {
  malicious: '#b3261e', suspicious: '#a15c00', clean: '#1e7a3c', not_suspicious: '#1e7a3c', not_found: '#6b7280', invalid: '#6b7280', error: '#6b7280', pending: '#9aa3b2',
};

/** The filter in words, for the PDF's header: "verdict malicious, suspicious; search \"abc\"". */
export function describeFilter(filter: ItemFilter): string | null {
  const parts = [
    ...(filter.verdict.length > 0 ? [`verdict ${filter.verdict.map((v) => v.replace('_', ' ')).join(', ')}`] : []),
    ...(filter.q !== '' ? [`search "${filter.q}"`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : null;
}

const day = (value: Date | string | null) => (value ? new Date(value).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '—');

/** Only domains and IPs are ever "not suspicious": a report of hashes alone does not list it. */
function summaryRows(counts: Counts): Array<[string, number, string]> {
  return [
    ['Malicious', counts.malicious, 'malicious'], ['Suspicious', counts.suspicious, 'suspicious'], ['Clean', counts.clean, 'clean'],
    ...(counts.notSuspicious > 0 ? [['Not suspicious', counts.notSuspicious, 'not_suspicious'] as [string, number, string]] : []),
    ['Not found', counts.notFound, 'not_found'], ['Invalid', counts.invalid, 'invalid'], ['Error', counts.error, 'error'], ['Pending', counts.pending, 'pending'],
  ];
}

/** Rows naming a file an earlier line already names are one file: the summary says how many. */
export function sameFileNote(sameFile: number): string {
  return `Same file as an earlier line: ${sameFile} row${sameFile === 1 ? '' : 's'} (each file counted once: by its first line)`;
}

/** A domain or IP written another way (defanged, or a URL) prints as the value looked up, then as written. */
function inputCell(row: ReportItemRow): string {
  return isNetworkType(row.hash_type) && row.hash && row.hash !== row.input ? `${row.hash} (${row.input})` : row.input;
}

/**
 * Writes a readable, paginated PDF of a report to `out`: title, owner, dates, summary counts with a
 * bar chart, then the rows (type, verdict, detections, Fortinet's result, file name, threat label, last
 * analysis), each page numbered "page N of M". Rows are drawn as they arrive from `rows` and never
 * held, and each page goes out once the next begins (memory stays flat however long the report).
 * Once `signal` aborts or `out` is destroyed (the client left) it draws nothing more, closes `rows`
 * and resolves false; the unfinished document is dropped. True when the whole file was written.
 */
export async function writeReportPdf(out: Writable, header: PdfHeader, rows: AsyncIterable<ReportItemRow>, signal?: AbortSignal): Promise<boolean> {
  const doc = new PDFDocument({ size: [PAGE.width, PAGE.height], margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: BOTTOM_MARGIN }, info: { Title: printable(header.report.name), Creator: 'Hash Report' } });
  doc.pipe(out);
  // A client that leaves after the last row never lets `out` finish: its close ends the wait too.
  const done = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve).once('close', resolve).once('error', reject);
  });
  const notice = header.notice ? printable(header.notice) : null;
  const pen = new Pen(doc);
  let page = 1;
  let pages = 1;
  const footer = () => {
    pen.set(FONT, 8, '#6b7280');
    const text = `${notice ? `${notice} · ` : ''}${printable(header.report.name)} · page ${page} of ${Math.max(page, pages)}`;
    doc.text(text, MARGIN, PAGE.height - MARGIN + 8, { width: PAGE.width - 2 * MARGIN, align: 'right', lineBreak: false });
  };

  let y = titleAndSummary(doc, header, notice);
  const tableHeader = () => {
    pen.set(BOLD, 8, '#1d2430');
    let x = MARGIN;
    for (const c of COLUMNS) {
      doc.text(c.label, x, y, { width: c.width - 6, align: c.align ?? 'left', lineBreak: false });
      x += c.width;
    }
    y += ROW_HEIGHT;
    doc.moveTo(MARGIN, y - 3).lineTo(PAGE.width - MARGIN, y - 3).lineWidth(0.5).strokeColor('#dde1e7').stroke();
  };
  tableHeader();
  pages = pageCount(y, header.rowCount);

  let drawn = 0;
  const gone = () => signal?.aborted === true || out.destroyed;
  for await (const row of rows) {
    if (gone()) break;
    if (y + ROW_HEIGHT > TABLE_BOTTOM) {
      footer();
      doc.addPage();
      page++;
      y = MARGIN;
      tableHeader();
    }
    drawRow(doc, pen, row, y);
    y += ROW_HEIGHT;
    // Let the event loop breathe, and wait while the client is behind: the finished pages go to the
    // socket rather than pile up here.
    if (++drawn % 500 === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      while (doc.readableLength > 1 << 20 && !gone()) await drainedOrClosed(out);
    }
  }
  if (gone()) {
    doc.unpipe(out);
    // Nobody waits for the file any more; an error the closed socket raises later is not ours to report.
    done.catch(() => undefined);
    return false;
  }
  footer();
  doc.end();
  await done;
  return true;
}

/** The pages a table of `rows` rows takes when the first page's table starts at `firstY`: the loop's own arithmetic. */
function pageCount(firstY: number, rows: number): number {
  const fits = (from: number) => {
    let n = 0;
    for (let yy = from; yy + ROW_HEIGHT <= TABLE_BOTTOM; yy += ROW_HEIGHT) n++;
    return n;
  };
  const first = fits(firstY);
  const rest = fits(MARGIN + ROW_HEIGHT);
  return rows <= first ? 1 : 1 + Math.ceil((rows - first) / rest);
}

/** The title block and the summary (counts, a bar per verdict scaled to the largest); the y the table starts at. */
function titleAndSummary(doc: PDFKit.PDFDocument, header: PdfHeader, notice: string | null): number {
  doc.font(BOLD).fontSize(18).fillColor('#1d2430').text(printable(header.report.name), MARGIN, MARGIN, { width: PAGE.width - 2 * MARGIN });
  if (notice) doc.font(BOLD).fontSize(11).fillColor('#b3261e').text(notice, { width: PAGE.width - 2 * MARGIN });
  doc.font(FONT).fontSize(10).fillColor('#1d2430').moveDown(0.3);
  doc.text(`Owner: ${printable(header.ownerEmail)}`);
  doc.text(`Created: ${day(header.report.createdAt)}   Completed: ${day(header.report.completedAt)}   Status: ${header.report.status}`);
  doc.text(`Rows: ${header.filter ? `those matching ${printable(header.filter)}` : `all ${header.report.counts.total}`}   Generated: ${day(header.generatedAt)}`);
  if (header.report.sameFile > 0) doc.text(sameFileNote(header.report.sameFile));
  doc.moveDown(0.8);
  const summary = summaryRows(header.report.counts);
  const largest = Math.max(1, ...summary.map(([, n]) => n));
  let y = doc.y;
  for (const [label, n, verdict] of summary) {
    doc.font(FONT).fontSize(10).fillColor('#1d2430').text(label, MARGIN, y, { width: 80, lineBreak: false });
    doc.text(String(n), MARGIN + 80, y, { width: 50, align: 'right', lineBreak: false });
    doc.rect(MARGIN + 140, y + 1, Math.max(n > 0 ? 1 : 0, (300 * n) / largest), 9).fill(VERDICT_COLOURS[verdict] ?? '#6b7280');
    y += ROW_HEIGHT;
  }
  return y + ROW_HEIGHT;
}

/** Cells that repeat (types, verdicts, dates, names) are fitted to their column once. */
const fitted = new Map<string, { text: string; width: number }>();

function fittedCell(doc: PDFKit.PDFDocument, column: number, text: string): { text: string; width: number } {
  const key = `${column}\u0000${text}`;
  let cell = fitted.get(key);
  if (!cell) {
    const c = COLUMNS[column] as (typeof COLUMNS)[number];
    const fittedText = c.font === MONO ? fitMono(text, c.width - 6, 7.5) : fit(doc, text, c.width - 6);
    cell = { text: fittedText, width: c.font === MONO ? fittedText.length * 0.6 * 7.5 : doc.widthOfString(fittedText) };
    // Unique text (a row's input, its line) would only fill the map.
    if (column > 1) {
      if (fitted.size > 2_000) fitted.clear();
      fitted.set(key, cell);
    }
  }
  return cell;
}

/**
 * One table row at `y`, its cells placed as bare PDF text (pdf-pen.ts placeText): pdfkit's text layout
 * for each cell cost more than everything else in the file. Right-aligned cells are placed by their width.
 */
function drawRow(doc: PDFKit.PDFDocument, pen: Pen, row: ReportItemRow, y: number): void {
  const cells = [
    String(row.line),
    inputCell(row),
    row.hash_type ? TYPE_LABELS[row.hash_type] : '—',
    VERDICT_LABELS[row.verdict] ?? row.verdict,
    row.engines != null ? `${row.malicious ?? 0} / ${row.engines}` : '—',
    row.fortinet ?? (row.error ? `error: ${row.error}` : '—'),
    row.meaningful_name ?? '—',
    row.threat_label ?? '—',
    row.last_analysis_date ? day(row.last_analysis_date) : '—',
  ];
  let x = MARGIN;
  for (const [i, c] of COLUMNS.entries()) {
    pen.set(c.font ?? FONT, c.font ? 7.5 : 7, i === VERDICT_COLUMN ? (VERDICT_COLOURS[row.verdict] ?? '#1d2430') : '#1d2430');
    const cell = fittedCell(doc, i, cells[i] ?? '');
    const left = c.align === 'right' ? x + c.width - 6 - cell.width : x;
    placeText(doc, cell.text, left, y);
    x += c.width;
  }
}
