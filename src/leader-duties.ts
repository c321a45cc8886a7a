import type { Db } from './shared/database.js';
import type { Logger } from './shared/logger.js';
import type { OwnedLookupEngine } from './lookups/create-lookup-engine.js';
import type { ReportNotifier } from './mail/report-notifier.js';
import type { DatabaseSessionStore } from './web/session-store.js';
import type { AuthLimits } from './auth/throttle.js';
import { pruneThrottles } from './auth/throttle.service.js';
import { deleteExpiredConfirmations } from './auth/email-confirmation.repository.js';
import type { ConnectorConfig } from './connector/connector.config.js';
import type { ConnectorDeps } from './connector/connector-deps.js';
import { startConnectorLoop, type ConnectorLoop } from './connector/connector-loop.js';
import type { WatchDuty } from './watch/watch-duty.js';
import type { FeedRunner } from './feeds/feed-runner.js';

export interface LeaderDutiesDeps {
  db: Db;
  logger: Logger;
  lookups: OwnedLookupEngine;
  /** A fresh completion-email sender for each term (a stopped one does not start again). */
  makeNotifier: () => ReportNotifier;
  sessionStore: DatabaseSessionStore;
  connectors: ConnectorConfig[];
  connectorDeps: () => ConnectorDeps;
  authLimits: AuthLimits;
  housekeepingEveryMs: number;
  /** Watched reports' re-checks and their change emails. */
  watch: WatchDuty;
  /** A fresh reader of the VirusTotal feeds for each term; null when VT_FEEDS is unset. */
  makeFeedRunner: () => FeedRunner | null;
}

/**
 * The work done once per deployment, by the instance that leads (see shared/leadership.ts): the
 * lookup dispatcher, the completion emails, the connector's passes, watched reports' re-checks, the feeds' ingestion, and housekeeping (cache
 * eviction, call-log pruning, throttles, confirmation links, expired sessions). `begin` when this
 * instance becomes the leader, `end` when it stops leading; each term starts from the database.
 */
export class LeaderDuties {
  notifier: ReportNotifier;
  connectorLoop: ConnectorLoop | null = null;
  feeds: FeedRunner | null = null;
  private timer: NodeJS.Timeout | null = null;
  private leading = false;
  /** begin and end run one at a time, in the order asked. */
  private turn: Promise<void> = Promise.resolve();

  constructor(private readonly deps: LeaderDutiesDeps) {
    this.notifier = deps.makeNotifier();
  }

  isLeading(): boolean {
    return this.leading;
  }

  begin(): Promise<void> {
    this.turn = this.turn.catch(() => undefined).then(() => this.start());
    return this.turn;
  }

  end(): Promise<void> {
    this.turn = this.turn.catch(() => undefined).then(() => this.finish());
    return this.turn;
  }

  private async start(): Promise<void> {
    if (this.leading) return;
    const { deps } = this;
    this.leading = true;
    await deps.lookups.start();
    if (this.notifier.isStopped()) this.notifier = deps.makeNotifier();
    this.notifier.wake();
    this.timer = setInterval(() => void this.housekeeping(), deps.housekeepingEveryMs).unref();
    deps.sessionStore.startPruning();
    this.connectorLoop = deps.connectors.length > 0 ? startConnectorLoop(deps.connectorDeps(), deps.connectors) : null;
    deps.watch.start();
    this.feeds = deps.makeFeedRunner();
    this.feeds?.start();
  }

  private async finish(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    if (this.timer) clearInterval(this.timer);
    this.deps.sessionStore.close();
    await this.connectorLoop?.stop();
    this.connectorLoop = null;
    await this.deps.watch.stop();
    await this.feeds?.stop();
    this.feeds = null;
    await this.deps.lookups.stepDown();
    // After the lookups: those that land in the grace period may still complete a report and mail it.
    await this.notifier.stop();
  }

  private async housekeeping(): Promise<void> {
    const { db, logger, lookups, authLimits } = this.deps;
    try {
      const tidied = await lookups.housekeeping();
      const throttles = await pruneThrottles(db, authLimits);
      const confirmationLinks = await deleteExpiredConfirmations(db, Date.now());
      logger.info({ ...tidied, throttles, confirmationLinks }, 'hourly housekeeping');
    } catch (err) {
      logger.error({ err }, 'housekeeping failed');
    }
  }
}
