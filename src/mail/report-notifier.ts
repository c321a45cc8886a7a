import type { Db } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';
import { countVerdicts } from '../reports/report.repository.js';
import { toCounts } from '../reports/report-summary.js';
import type { Mailer } from './mailer.js';
import { reportReadyEmail } from './report-ready-email.js';
import { attachReport, type ReportFileRenderers } from './report-attachment.js';
import * as outbox from './email-outbox.repository.js';

const UNCONFIRMED = 'not sent: your email address is not confirmed (confirm it in Settings)';

export interface NotifierOptions {
  appUrl: string;
  maxAttempts: number;
  /** First retry delay; doubles each attempt. */
  retryBaseMs: number;
  /** What the email may attach, for users who asked for a file in Settings. */
  files: ReportFileRenderers;
  /** A larger file is replaced by a link to the report page. */
  attachmentMaxBytes: number;
  /**
   * How often to look for due emails nobody woke us for: reports another process completed (the
   * connector's `--once` run answering a list from the cache). Default 30 s; one indexed query.
   */
  pollMs?: number;
  now?: () => number;
}

/**
 * Sends "report ready" emails from the reports table, so a restart loses none. A failed send is
 * retried a few times with backoff and then shown on the report page; it never holds a report back.
 */
export class ReportNotifier {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Aborted by stop(): a report file being made for an email stops being made. */
  private readonly stopping = new AbortController();
  private readonly now: () => number;
  /** Callers of whenIdle, resolved when a pass ends with no send in progress and nothing woke it again. */
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly db: Db,
    private readonly mailer: Mailer | null,
    private readonly logger: Logger,
    private readonly options: NotifierOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sendDue().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
      if (!this.running) this.settleIdleWaiters();
    });
  }

  /**
   * Settles once no send is in progress and the last pass found no due email (emails due later
   * may have a timer). Starts a pass itself, so "idle" is checked against the outbox as it is now.
   */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      if (this.stopped && !this.running) this.settleIdleWaiters();
      else this.wake();
    });
  }

  private settleIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** A stopped sender never starts again; the next leader's term makes a new one. */
  isStopped(): boolean {
    return this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort(new Error('the email sender is stopping'));
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async sendDue(): Promise<void> {
    try {
      for (const email of await outbox.findDueEmails(this.db, this.now())) {
        if (this.stopped) return;
        await this.sendOne(email);
      }
      const next = await outbox.findNextEmailAt(this.db);
      this.schedule(Math.min(next ?? Infinity, this.now() + (this.options.pollMs ?? 30_000)));
    } catch (err) {
      this.logger.error({ err }, 'email sender failed; retrying in 30 s');
      this.schedule(this.now() + 30_000);
    }
  }

  private async sendOne(email: outbox.DueEmail): Promise<void> {
    const attempts = email.attempts + 1;
    try {
      if (!this.mailer) throw new Error('email is not configured on this server (SMTP_URL is unset)');
      // Only an address its owner proved is theirs gets mail; an older account confirms in Settings.
      if (!email.confirmed) throw new Error(UNCONFIRMED);
      const counts = toCounts((await countVerdicts(this.db, [email.reportId])).get(email.reportId) ?? {});
      const { signal } = this.stopping;
      const attachment = await attachReport(this.options.files, email.attachment, { id: email.reportId, name: email.reportName }, this.options.attachmentMaxBytes, signal);
      // Stopped while the file was made: the email stays due, and the next start sends it whole.
      if (signal.aborted) return;
      if (attachment?.kind === 'linked' && attachment.reason === 'failed') {
        this.logger.warn({ reportId: email.reportId, err: attachment.error }, 'report file could not be made; the email links the report instead');
      }
      const message = await reportReadyEmail({
        to: email.to,
        reportName: email.reportName,
        reportUrl: `${this.options.appUrl}/reports/${email.reportId}`,
        counts,
        attachment,
      });
      await this.mailer.send(message);
      await outbox.markEmailSent(this.db, email.reportId, attempts);
      this.logger.info({ reportId: email.reportId }, 'report-ready email sent');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const giveUp = attempts >= this.options.maxAttempts || !this.mailer || !email.confirmed;
      const nextAt = this.now() + this.options.retryBaseMs * 2 ** (attempts - 1);
      await outbox.markEmailFailed(this.db, email.reportId, { attempts, reason, nextAt: giveUp ? null : nextAt });
      this.logger.warn({ reportId: email.reportId, attempts, reason, giveUp }, 'report-ready email failed');
    }
  }

  private schedule(at: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wake();
    }, Math.max(0, at - this.now()));
    this.timer.unref();
  }
}
