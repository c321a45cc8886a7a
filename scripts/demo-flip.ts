import { createHash } from 'node:crypto';
import { minuteName, MINUTE_MS } from '../src/feeds/feed-minute.js';
import type { SimFileSpec, VtSimulator } from './vt-simulator/simulator.js';

// The demo's verdict change: a file the simulator answers clean until some time after it is first
// looked up, then VirusTotal "re-analyses" it as malicious: lookups answer the new verdict and the
// file feed publishes the new analysis, the way a watched report learns of it in production.

export interface DemoFlip {
  /** The MD5 to paste into a report. */
  md5: string;
  /** Settles when the new analysis is in the simulator (lookups) and in a feed minute still to come. */
  flipped: Promise<void>;
  stop(): void;
}

const hex = (algorithm: string, text: string) => createHash(algorithm).update(text).digest('hex');

/**
 * A new file per demo start (the demo's database keeps yesterday's answers in its cache), clean;
 * `afterMs` after the app first asks the simulator about it, it turns malicious.
 */
export function scheduleDemoFlip(sim: VtSimulator, afterMs: number, now = Date.now): DemoFlip {
  const seed = `hash-report-demo-flip-${now()}-${process.pid}`;
  const ids = { md5: hex('md5', seed), sha1: hex('sha1', seed), sha256: hex('sha256', seed) };
  const spec: SimFileSpec = { ...ids, meaningfulName: 'quarterly-invoice.pdf.exe', typeDescription: 'Win32 EXE', size: 48_128, harmless: 0 };
  sim.addFile({ ...spec, malicious: 0, fortinet: null, lastAnalysisDate: Math.floor(now() / 1000) - 86_400 });
  let timer: NodeJS.Timeout | undefined;
  let resolveFlip!: () => void;
  const flipped = new Promise<void>((resolve) => (resolveFlip = resolve));
  const flip = () => {
    const analysedAt = Math.floor(now() / 1000);
    const file = sim.addFile({ ...spec, malicious: 38, suspicious: 1, fortinet: 'W32/Agent.DEMO!tr', lastAnalysisDate: analysedAt });
    // The first minute the feed has not published yet (published minutes may already be read).
    sim.feeds.add('files', minuteName(now() - 59 * MINUTE_MS), file.data);
    resolveFlip();
  };
  // The simulator's call log is the trigger: polled, because the simulator has no event for it.
  const watcher = setInterval(() => {
    if (sim.callsFor(ids.md5) === 0) return;
    clearInterval(watcher);
    timer = setTimeout(flip, afterMs);
  }, 500).unref();
  return {
    md5: ids.md5,
    flipped,
    stop: () => {
      clearInterval(watcher);
      clearTimeout(timer);
    },
  };
}
