import type { Server } from 'node:http';
import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { databaseLocation, type Config } from './shared/config.js';
import { migrateToLatest, openDatabase, type OpenDatabase } from './shared/database.js';
import { createReadPool } from './shared/read-pool.js';
import { createLogger, type Logger } from './shared/logger.js';
import { createLookupEngine, type LookupTuning } from './lookups/create-lookup-engine.js';
import type { LookupScheduler } from './lookups/lookup-scheduler.js';
import type { LookupEngine } from './lookups/lookup-engine.js';
import { createMailer } from './mail/mailer.js';
import { ReportNotifier } from './mail/report-notifier.js';
import { offeredFormats } from './mail/report-attachment.js';
import { reportFileRenderers, type WholeFileRenderer } from './mail/report-files.js';
import { completeFinishedReports, completeReportsLeftActive } from './reports/report.service.js';
import { renderReportPdf } from './reports/files/pdf-export.js';
import { deleteUnfinishedImports } from './reports/report.repository.js';
import { resolveSessionSecret } from './web/session.js';
import { loadSecretBox } from './shared/secret-box.js';
import { AUTH_LIMITS, type AuthLimits } from './auth/throttle.js';
import { loadConnectorsFile } from './connector/connector.config.js';
import { connectorDeps } from './connector/connector-deps.js';
import type { ConnectorLoop } from './connector/connector-loop.js';
import { Downloads } from './reports/downloads.js';
import { soleLeadership, type Leadership, type WakeTopic } from './shared/leadership.js';
import { advisoryLeadership } from './shared/advisory-leadership.js';
import { LeaderDuties } from './leader-duties.js';
import { WatchDuty } from './watch/watch-duty.js';
import { FeedRunner, type FeedTuning } from './feeds/feed-runner.js';

/** Knobs that are not user settings: tests and benchmarks turn them to run fast. */
export interface RuntimeTuning extends LookupTuning, FeedTuning {
  logger?: Logger;
  emailMaxAttempts?: number;
  emailRetryBaseMs?: number;
  /** How often the email sender looks for due emails it was not woken for. */
  emailPollMs?: number;
  evictEveryMs?: number;
  /** A line shown on every page (the demo says its results are simulated). */
  siteNotice?: string;
  /** Sign-in and registration limits; default auth/throttle.ts AUTH_LIMITS. */
  authLimits?: AuthLimits;
  /** Makes a report's PDF for the completion email; without one, PDF is not offered in Settings. */
  renderPdf?: WholeFileRenderer;
  /** How long a download's slot outlives its last renewal (a dead instance's downloads free this late). */
  downloadSlotTtlMs?: number;
  /** PostgreSQL: how often a follower tries the dispatcher lock (and the leader checks it still holds it). */
  leadershipRetryMs?: number;
  /** PostgreSQL: how often a follower re-reads the dispatcher's state for banners and the dashboard. */
  followerRefreshMs?: number;
  /** Watched reports: how often the leader looks for due re-checks it was not woken for. */
  watchPollMs?: number;
}

export interface Runtime {
  url: string;
  /** The Express app, for tests that walk its routes. */
  app: Express;
  server: Server;
  database: OpenDatabase;
  scheduler: LookupScheduler;
  lookups: LookupEngine;
  /** The completion-email sender of this instance's current (or last) term as leader. */
  readonly notifier: ReportNotifier;
  /** Whether this instance sends lookups and runs the scheduled work (always, on SQLite). */
  leadership: Leadership;
  /** Each user's downloads in flight, and how the last ones ended. */
  downloads: Downloads;
  /** Watched reports' re-checks (runs while this instance leads). */
  watch: WatchDuty;
  /** The watched folders of CONNECTORS_FILE; null when it is unset or another instance leads. */
  readonly connectors: ConnectorLoop | null;
  logger: Logger;
  stop(): Promise<void>;
}

const HOUR_MS = 3_600_000;

/** The server could not listen, said for the person who started it; `cause` is Node's own error. */
export class ListenError extends Error {}

/**
 * What to tell the person who started the app when it could not listen (a port in use, a port that
 * needs privileges); null for any other error.
 */
function listenFailure(err: unknown, config: Pick<Config, 'port' | 'host'>): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  const where = `port ${config.port}${config.host ? ` on ${config.host}` : ''}`;
  if (code === 'EADDRINUSE') return `Cannot start: ${where} is already in use (another program, or Hash Report already running). Stop it, or start with another port: PORT=3001 npm start`;
  if (code === 'EACCES') return `Cannot start: ${where} needs privileges this user does not have. Use a port above 1023, e.g. PORT=3000.`;
  if (code === 'EADDRNOTAVAIL') return `Cannot start: ${config.host} is not an address of this machine. Check HOST.`;
  return null;
}

/**
 * Opens the database (applying pending migrations), starts the lookup pool, the scheduler, the
 * email sender and the HTTP server. The order of `stop` is the reverse: no new requests, no new
 * lookups, in-flight lookups finish or return to the queue, then the pool and the database close.
 */
export async function startRuntime(config: Readonly<Config>, tuning: RuntimeTuning = {}): Promise<Runtime> {
  const logger = tuning.logger ?? createLogger(config.logLevel, config.logFormat);
  // Before anything is opened: a bad connectors.json stops the start like a bad setting (ConfigError).
  const connectors = config.connectorsFile ? loadConnectorsFile(config.connectorsFile) : [];
  const database = openDatabase(databaseLocation(config));
  const { db } = database;
  // One line at start, not one per migration: a fresh database applies every migration there is.
  const migrations = await migrateToLatest(db);
  for (const result of migrations) logger.debug({ migration: result.migrationName, status: result.status }, 'migration');
  if (migrations.length > 0) logger.info({ latest: migrations.at(-1)?.migrationName }, `applied ${migrations.length} database migration${migrations.length === 1 ? '' : 's'}`);
  const abandoned = await deleteUnfinishedImports(db);
  if (abandoned > 0) logger.warn({ abandoned }, 'removed uploads interrupted before they were saved');
  const finished = await completeReportsLeftActive(db);
  if (finished.length > 0) logger.info({ finished: finished.length }, 'completed reports answered before the last stop');

  const secretBox = loadSecretBox(config);
  const mailer = config.smtpUrl ? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, logger: logger.child({ feature: 'mail' }) }) : null;
  // The one place a report file format is plugged in: Settings offers what this can make.
  const reportFiles = reportFileRenderers(db, tuning.renderPdf ?? ((pdfDb, id, signal) => renderReportPdf(pdfDb, id, config.pdfMaxRows, signal)));
  const downloads = new Downloads(db, config.downloadsPerUser, tuning.downloadSlotTtlMs !== undefined ? { slotTtlMs: tuning.downloadSlotTtlMs } : {});
  const makeNotifier = () =>
    new ReportNotifier(db, mailer, logger.child({ feature: 'mail' }), {
      appUrl: config.appUrl,
      maxAttempts: tuning.emailMaxAttempts ?? 5,
      retryBaseMs: tuning.emailRetryBaseMs ?? 60_000,
      ...(tuning.emailPollMs !== undefined ? { pollMs: tuning.emailPollMs } : {}),
      files: reportFiles,
      attachmentMaxBytes: config.mailAttachmentMaxBytes,
    });
  const leadership: Leadership = config.databaseUrl
    ? advisoryLeadership({ connectionString: config.databaseUrl, logger, ...(tuning.leadershipRetryMs !== undefined ? { retryMs: tuning.leadershipRetryMs } : {}) })
    : soleLeadership();
  // Filled in below; the engine's callbacks only run once it has started.
  let duties: LeaderDuties | null = null;
  const wakeEmails = () => (duties?.isLeading() ? duties.notifier.wake() : leadership.wakeLeader('email'));
  // Lookups and feeds both answer rows: either may complete a report, or end a watched report's re-check.
  const onReportsTouched = async (ids: string[]) => {
    if ((await completeFinishedReports(db, ids)).length > 0) {
      wakeEmails();
      if (duties?.isLeading()) watch.wake();
    }
  };
  const lookups = await createLookupEngine({
    config,
    db,
    logger,
    secretBox,
    tuning,
    onReportsTouched,
    onReportsCompleted: wakeEmails,
    wakeLeader: (topic) => leadership.wakeLeader(topic),
  });
  const sessionSecret = await resolveSessionSecret(db, config.sessionSecret);
  const authLimits = tuning.authLimits ?? AUTH_LIMITS;
  const reads = createReadPool(config.databasePath, db);
  const watch = new WatchDuty({
    db,
    logger: logger.child({ feature: 'watch' }),
    mailer,
    options: { cacheTtlMs: config.cacheTtlMs, watch: config.watch, appUrl: config.appUrl, reads },
    queued: (completed) => lookups.queued(completed),
    emailMaxAttempts: tuning.emailMaxAttempts ?? 5,
    emailRetryBaseMs: tuning.emailRetryBaseMs ?? 60_000,
    ...(tuning.watchPollMs !== undefined ? { pollMs: tuning.watchPollMs } : {}),
  });
  const { app, sessionStore } = createApp({
    config,
    db,
    logger,
    sessionSecret,
    lookups,
    secretBox,
    mailer,
    attachmentFormats: offeredFormats(reportFiles),
    downloads,
    siteNotice: tuning.siteNotice ?? null,
    authLimits,
    reads,
  });

  const server = await new Promise<Server>((resolve, reject) => {
    // Without HOST, Node picks all interfaces itself (IPv6 when the machine has it, else IPv4).
    // Express 5 calls back with the error when listening fails (a port in use): it must not count as listening.
    const listening = (err?: Error) => {
      if (!err) return resolve(s);
      const message = listenFailure(err, config);
      reject(message ? new ListenError(message, { cause: err }) : err);
    };
    const s = config.host ? app.listen(config.port, config.host, listening) : app.listen(config.port, listening);
  });
  const address = server.address() as AddressInfo;
  const host = config.host && config.host !== '0.0.0.0' && config.host !== '::' ? config.host : 'localhost';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  const leaderDuties = new LeaderDuties({
    db,
    logger,
    lookups,
    makeNotifier,
    sessionStore,
    connectors,
    connectorDeps: () => connectorDeps(config, database, logger.child({ feature: 'connector' }), (completed) => lookups.queued(completed)),
    authLimits,
    housekeepingEveryMs: tuning.evictEveryMs ?? HOUR_MS,
    watch,
    makeFeedRunner: () =>
      config.feeds.types.length === 0
        ? null
        : new FeedRunner({ db, logger: logger.child({ feature: 'feeds' }), apiUrl: config.vt.apiUrl, settings: config.feeds, thresholds: config.verdict, cacheTtlMs: config.cacheTtlMs, onReportsTouched, tuning }),
  });
  duties = leaderDuties;
  leadership.onWake((topic) => void heardWake(topic));
  async function heardWake(topic: WakeTopic): Promise<void> {
    if (topic === 'lookups') lookups.wake();
    else if (topic === 'email') leaderDuties.notifier.wake();
    else await lookups.personalKeyChanged(Number(topic.slice('key:'.length))).catch((err: unknown) => logger.error({ err }, 'could not reload a personal key'));
  }
  await leadership.start((leader) => void (leader ? leaderDuties.begin() : leaderDuties.end()).catch((err: unknown) => logger.error({ err }, 'leadership change failed')));
  // A follower's banners and dashboard follow the leader's saved state.
  const followerTimer = setInterval(() => {
    if (!leaderDuties.isLeading()) void lookups.refresh().catch((err: unknown) => logger.warn({ err }, 'could not refresh the lookup state'));
  }, tuning.followerRefreshMs ?? 2000).unref();
  // SQLite leads from the start: by the time the app says it listens, its dispatcher runs.
  if (leadership.isLeader()) await leaderDuties.begin();

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(followerTimer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await leaderDuties.end();
      await lookups.stop();
      // After the dispatcher stopped: the next leader takes over at once rather than after a timeout.
      await leadership.stop();
      server.closeAllConnections();
      await closed;
      sessionStore.close();
      mailer?.close();
      await reads.close();
      await database.close();
    })());

  logger.info({ url, vt: config.vt.apiUrl, keys: config.vt.keys.length }, `Hash Report is listening on ${url}`);
  return {
    url,
    app,
    server,
    database,
    scheduler: lookups.scheduler,
    lookups,
    get notifier() {
      return leaderDuties.notifier;
    },
    leadership,
    downloads,
    watch,
    get connectors() {
      return leaderDuties.connectorLoop;
    },
    logger,
    stop,
  };
}
