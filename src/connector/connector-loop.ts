import type { ConnectorConfig } from './connector.config.js';
import type { ConnectorDeps } from './connector-deps.js';
import { runConnectorPass, type PassSummary } from './connector-pass.js';

export interface ConnectorLoop {
  /** One pass of every connector now, after any pass already running (tests, and a manual nudge). */
  passNow(): Promise<PassSummary[]>;
  /** No new pass; a running one stops waiting for files to settle and finishes. */
  stop(): Promise<void>;
}

export interface LoopOptions {
  /** Inside the app the HTTP server keeps the process alive; a standalone loop needs its timers to. */
  unref?: boolean;
}

/** Runs each connector at once and then every `intervalMs` after the end of its previous pass. */
export function startConnectorLoop(deps: ConnectorDeps, connectors: ConnectorConfig[], options: LoopOptions = {}): ConnectorLoop {
  const runners = connectors.map((c) => new ConnectorRunner(deps, c, options.unref ?? true));
  for (const runner of runners) runner.schedule(0);
  return {
    passNow: () => Promise.all(runners.map((r) => r.passNow())),
    stop: async () => {
      await Promise.all(runners.map((r) => r.stop()));
    },
  };
}

class ConnectorRunner {
  private timer: NodeJS.Timeout | null = null;
  /** Passes of one connector never overlap: two at once would both take the same file. */
  private tail: Promise<unknown> = Promise.resolve();
  private readonly abort = new AbortController();

  constructor(
    private readonly deps: ConnectorDeps,
    private readonly connector: ConnectorConfig,
    private readonly unref: boolean,
  ) {}

  passNow(): Promise<PassSummary> {
    const pass = this.tail.then(() => runConnectorPass(this.deps, this.connector, this.abort.signal));
    this.tail = pass.catch(() => undefined);
    return pass;
  }

  schedule(delayMs: number): void {
    if (this.abort.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.passNow()
        .catch((err: unknown) => this.deps.logger.error({ err, connector: this.connector.name }, 'connector pass failed; trying again next interval'))
        .finally(() => this.schedule(this.connector.intervalMs));
    }, delayMs);
    if (this.unref) this.timer.unref();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.tail;
  }
}
