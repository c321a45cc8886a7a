import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import type { ReportItemRow } from '../report.table.js';
import type { Counts, ReportSummary } from '../report-summary.js';
import type { ItemFilter } from '../report.schemas.js';
import { isNetworkType, TYPE_LABELS, VERDICT_LABELS } from '../report-links.js';

/** What the PDF says about the report besides its rows. */
export interface PdfHeader {
  report: ReportSummary;
  ownerEmail: string;
  /** The filter the rows were chosen by, in words, or null for every row. */
  filter: string | null;
  generatedAt: Date;
  /** Printed in red under the title and in every footer (the demo: its results are simulated). */
  notice?: string | null;
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

/**
 * The built-in PDF fonts only cover Windows-1252: anything else would print as garbage, so it
 * becomes "?" (the CSV and JSON exports carry the exact text). Its punctuation beyond Latin-1 (dashes,
 * quotes, the ellipsis) stays: empty cells print as "—".
 */
function printable(text: string): string {
  return text.replace(/[^\u0020-\u007e\u00a0-\u00ff\u2013\u2014\u2018\u2019\u201c\u201d\u2026]/g, '?');
}

function fit(doc: PDFKit.PDFDocument, text: string, width: number): string {
  const clean = printable(text);
  if (doc.widthOfString(clean) <= width) return clean;
  let cut = clean;
  while (cut.length > 1 && doc.widthOfString(`${cut}…`) > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

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
 * analysis), each page numbered "page N of M". Rows are drawn as they arrive from `rows` and never held;
 * the drawn pages are, until the last one tells M. Once `signal` aborts or `out`
 * is destroyed (the client left) it draws nothing more, closes `rows` and resolves false; the
 * unfinished document is dropped. True when the whole file was written.
 */
export async function writeReportPdf(out: Writable, header: PdfHeader, rows: AsyncIterable<ReportItemRow>, signal?: AbortSignal): Promise<boolean> {
  // Pages stay in memory until the end, when the total for "page N of M" is known; PDF_MAX_ROWS bounds them (about 400 pages).
  const doc = new PDFDocument({ bufferPages: true, size: [PAGE.width, PAGE.height], margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: BOTTOM_MARGIN }, info: { Title: printable(header.report.name), Creator: 'Hash Report' } });
  doc.pipe(out);
  // A client that leaves after the last row never lets `out` finish: its close ends the wait too.
  const done = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve).once('close', resolve).once('error', reject);
  });
  const notice = header.notice ? printable(header.notice) : null;
  const footers = () => {
    const { start, count } = doc.bufferedPageRange();
    for (let i = start; i < start + count; i++) {
      doc.switchToPage(i);
      doc.font(FONT).fontSize(8).fillColor('#6b7280');
      const text = `${notice ? `${notice} · ` : ''}${printable(header.report.name)} · page ${i - start + 1} of ${count}`;
      doc.text(text, MARGIN, PAGE.height - MARGIN + 8, { width: PAGE.width - 2 * MARGIN, align: 'right', lineBreak: false });
    }
  };

  // Title block.
  doc.font(BOLD).fontSize(18).fillColor('#1d2430').text(printable(header.report.name), MARGIN, MARGIN, { width: PAGE.width - 2 * MARGIN });
  if (notice) doc.font(BOLD).fontSize(11).fillColor('#b3261e').text(notice, { width: PAGE.width - 2 * MARGIN });
  doc.font(FONT).fontSize(10).fillColor('#1d2430').moveDown(0.3);
  doc.text(`Owner: ${printable(header.ownerEmail)}`);
  doc.text(`Created: ${day(header.report.createdAt)}   Completed: ${day(header.report.completedAt)}   Status: ${header.report.status}`);
  doc.text(`Rows: ${header.filter ? `those matching ${printable(header.filter)}` : `all ${header.report.counts.total}`}   Generated: ${day(header.generatedAt)}`);
  if (header.report.sameFile > 0) doc.text(sameFileNote(header.report.sameFile));
  doc.moveDown(0.8);

  // Summary: counts and a bar per verdict, scaled to the largest.
  const summary = summaryRows(header.report.counts);
  const largest = Math.max(1, ...summary.map(([, n]) => n));
  let y = doc.y;
  for (const [label, n, verdict] of summary) {
    doc.font(FONT).fontSize(10).fillColor('#1d2430').text(label, MARGIN, y, { width: 80, lineBreak: false });
    doc.text(String(n), MARGIN + 80, y, { width: 50, align: 'right', lineBreak: false });
    doc.rect(MARGIN + 140, y + 1, Math.max(n > 0 ? 1 : 0, (300 * n) / largest), 9).fill(VERDICT_COLOURS[verdict] ?? '#6b7280');
    y += ROW_HEIGHT;
  }
  y += ROW_HEIGHT;

  const tableHeader = () => {
    doc.font(BOLD).fontSize(8).fillColor('#1d2430');
    let x = MARGIN;
    for (const c of COLUMNS) {
      doc.text(c.label, x, y, { width: c.width - 6, align: c.align ?? 'left', lineBreak: false });
      x += c.width;
    }
    y += ROW_HEIGHT;
    doc.moveTo(MARGIN, y - 3).lineTo(PAGE.width - MARGIN, y - 3).lineWidth(0.5).strokeColor('#dde1e7').stroke();
  };
  tableHeader();

  let drawn = 0;
  const gone = () => signal?.aborted === true || out.destroyed;
  for await (const row of rows) {
    if (gone()) break;
    if (y + ROW_HEIGHT > TABLE_BOTTOM) {
      doc.addPage();
      y = MARGIN;
      tableHeader();
    }
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
      doc.font(c.font ?? FONT).fontSize(c.font ? 7.5 : 7).fillColor(i === VERDICT_COLUMN ? (VERDICT_COLOURS[row.verdict] ?? '#1d2430') : '#1d2430');
      doc.text(fit(doc, cells[i] ?? '', c.width - 6), x, y, { width: c.width - 6, align: c.align ?? 'left', lineBreak: false });
      x += c.width;
    }
    y += ROW_HEIGHT;
    // Let the event loop breathe (and the response drain) on long reports.
    if (++drawn % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  if (gone()) {
    doc.unpipe(out);
    // Nobody waits for the file any more; an error the closed socket raises later is not ours to report.
    done.catch(() => undefined);
    return false;
  }
  footers();
  doc.end();
  await done;
  return true;
}
