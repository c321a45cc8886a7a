import type { Db } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';
import type { Mailer } from '../mail/mailer.js';
import { watchChangesEmail } from '../mail/watch-changes-email.js';
import { toChangeLine } from './change-view.js';
import { finishRechecks, startDueRechecks, type RecheckOptions } from './recheck.service.js';
import * as watches from './watch.repository.js';

export interface WatchDutyDeps {
  db: Db;
  logger: Logger;
  mailer: Mailer | null;
  options: RecheckOptions & { appUrl: string };
  /** Lookups were queued (or a report completed at once): wake the dispatcher, as an upload does. */
  queued: (completed: boolean) => void;
  /** How often to look for due re-checks and finished ones nobody woke us for. Default 60 s. */
  pollMs?: number;
  emailMaxAttempts?: number;
  emailRetryBaseMs?: number;
  now?: () => number;
}

/**
 * The leader's re-check duty (see leader-duties.ts): starts due re-checks, ends those whose rows are
 * all answered again, and sends each one's change email. A pass runs on a timer, when a report
 * completes, or when asked (tick); passes never overlap, and each starts from the database, so a
 * new leader carries on where the last one stopped.
 */
export class WatchDuty {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private readonly now: () => number;

  constructor(private readonly deps: WatchDutyDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.wake(), this.deps.pollMs ?? 60_000).unref();
    this.wake();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Something may have changed (a report completed): run a pass soon. */
  wake(): void {
    void this.tick();
  }

  /** Runs a pass (after the one under way, if any) and resolves when it is over. */
  tick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const { db, logger, options } = this.deps;
    try {
      const now = this.now();
      const started = await startDueRechecks(db, options, now);
      if (started.queued) this.deps.queued(false);
      if (started.completed) this.deps.queued(true);
      const found = await finishRechecks(db, options, now);
      if (found > 0) logger.info({ reports: found }, 'watched reports changed');
      await this.sendDueEmails();
    } catch (err) {
      logger.error({ err }, 'watched-report re-checks failed; trying again at the next pass');
    }
  }

  private async sendDueEmails(): Promise<void> {
    const { db, mailer, logger, options } = this.deps;
    for (const email of await watches.findDueChangeEmails(db, this.now())) {
      const attempts = email.attempts + 1;
      try {
        if (!mailer) throw new Error('email is not configured on this server (SMTP_URL is unset)');
        if (!email.confirmed) throw new Error('not sent: your email address is not confirmed (confirm it in Settings)');
        const changes = (await watches.listChangesOfCheck(db, email.checkId)).map(toChangeLine);
        const changesUrl = `${options.appUrl}/reports/${email.reportId}/changes`;
        await mailer.send(await watchChangesEmail({ to: email.to, reportName: email.reportName, changesUrl, changes }));
        await watches.markChangeEmail(db, email.checkId, { status: 'sent', attempts, error: null, nextAt: null });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        const giveUp = attempts >= (this.deps.emailMaxAttempts ?? 5) || !mailer || !email.confirmed;
        const nextAt = giveUp ? null : this.now() + (this.deps.emailRetryBaseMs ?? 60_000) * 2 ** (attempts - 1);
        await watches.markChangeEmail(db, email.checkId, { status: giveUp ? 'failed' : 'pending', attempts, error: reason, nextAt });
        logger.warn({ reportId: email.reportId, attempts, reason, giveUp }, 'watched-report change email failed');
      }
    }
  }
}
