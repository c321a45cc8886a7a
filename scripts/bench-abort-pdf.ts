/**
 * `npm run bench -- abort-pdf [rows] [--pdf-max-rows=N] [--seconds=S]`: what a dropped PDF download
 * costs the server. Starts the app as in production (startRuntime on a temp SQLite file, in this
 * process), seeds a report of `rows` answered rows (default 300,000) through a real upload answered
 * from a seeded cache, starts GET /reports/:id/export.pdf, aborts as soon as the first bytes arrive,
 * then samples this process's CPU time (process.cpuUsage) and RSS once a second for up to `seconds`
 * (default 60), ending early once two seconds in a row use under 0.05 CPU-seconds. The client is
 * idle after the abort, so the CPU time is the server's. `--pdf-max-rows` sets PDF_MAX_ROWS (the cap
 * the fixed app answers with a pointer page above); an app without the setting ignores it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/shared/config.js';
import { startRuntime } from '../src/runtime.js';
import { HttpClient } from '../tests/helpers/http-client.js';
import { seededList } from './bench-seed.js';

const mb = (bytes: number) => (bytes / 1048576).toFixed(0);
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};
const gc = () => (globalThis as { gc?: () => void }).gc?.();

export async function benchAbortPdf(args: string[]): Promise<void> {
  const rows = Number(args.find((a) => /^\d+$/.test(a)) ?? 300_000);
  const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const maxSeconds = Number(option('seconds') ?? 60);
  const dir = mkdtempSync(join(tmpdir(), 'bench-abort-'));
  const cap = option('pdf-max-rows');
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'bench.sqlite'), LOG_LEVEL: 'silent', ...(cap ? { PDF_MAX_ROWS: cap } : {}) });
  const runtime = await startRuntime(config, { logger: pino({ level: 'silent' }) });
  try {
    const content = seededList(config.databasePath, rows);
    const client = new HttpClient(runtime.url);
    await client.register('bench@example.test');
    const upload = await client.upload({ file: { name: 'bench.txt', content } });
    const id = /^\/reports\/([\w-]+)$/.exec(upload.headers.get('location') ?? '')?.[1];
    if (!id) throw new Error(`upload answered ${upload.status}: ${upload.html.slice(0, 200)}`);
    gc();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const baseRss = process.memoryUsage().rss;
    console.log(`${rows.toLocaleString('en')}-row report ready; RSS before the download ${mb(baseRss)} MB${cap ? `; PDF_MAX_ROWS=${cap}` : ''}`);

    const abort = new AbortController();
    const started = process.cpuUsage();
    const response = await client.request(`/reports/${id}/export.pdf`, { signal: abort.signal });
    const reader = response.body?.getReader();
    const first = await reader?.read();
    abort.abort();
    await reader?.cancel().catch(() => undefined);
    const beforeAbort = cpuSeconds(started);
    console.log(`GET export.pdf: ${response.status} ${response.headers.get('content-type')}, first ${first?.value?.length ?? 0} bytes, aborted after ${beforeAbort.toFixed(2)} CPU-s`);

    const afterAbort = process.cpuUsage();
    let peakRss = process.memoryUsage().rss;
    let quiet = 0;
    let last = 0;
    for (let second = 1; second <= maxSeconds && quiet < 2; second++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const total = cpuSeconds(afterAbort);
      const rss = process.memoryUsage().rss;
      peakRss = Math.max(peakRss, rss);
      quiet = total - last < 0.05 ? quiet + 1 : 0;
      console.log(`  +${second} s: ${total.toFixed(2)} CPU-s since the abort, RSS ${mb(rss)} MB`);
      last = total;
    }
    gc();
    const endRss = process.memoryUsage().rss;
    console.log(
      `after the abort: ${cpuSeconds(afterAbort).toFixed(2)} CPU-s, peak RSS ${mb(peakRss)} MB (+${mb(peakRss - baseRss)} MB), ` +
        `RSS at the end ${mb(endRss)} MB (+${mb(endRss - baseRss)} MB over the start of the download)`,
    );
  } finally {
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
