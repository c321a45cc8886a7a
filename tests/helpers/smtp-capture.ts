import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';

export type { ParsedMail };

export interface SmtpCapture {
  /** smtp://127.0.0.1:PORT, usable as nodemailer's smtpUrl */
  url: string;
  port: number;
  /** Accepted messages, parsed, in arrival order. */
  messages: ParsedMail[];
  /** Resolves once at least `n` messages were accepted (returns the first n); rejects after timeoutMs. */
  waitForMessages(n: number, timeoutMs?: number): Promise<ParsedMail[]>;
  /**
   * Waits for the first message `match` accepts and takes it out of `messages`, as a reader deletes
   * an email once used (a confirmation link, say), so later counts see only what came after.
   */
  take(match: (mail: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  /** Reject the next `n` messages in onData with a transient SMTP error (451). */
  failNext(n: number): void;
  close(): Promise<void>;
}

/**
 * In-process SMTP server for tests. Listens on 127.0.0.1 on a random port.
 * STARTTLS is disabled because smtp-server's bundled self-signed certificate has expired;
 * AUTH is disabled because no test needs it (authOptional lets clients skip it).
 */
export async function startSmtpCapture(): Promise<SmtpCapture> {
  const messages: ParsedMail[] = [];
  const waiters = new Set<() => void>();
  let failuresLeft = 0;

  const notify = (): void => {
    for (const check of [...waiters]) check();
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 1000,
    onData(stream, _session, callback) {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        // Drain the message body before answering, otherwise the DATA phase never ends.
        stream.on('end', () => {
          const err = Object.assign(new Error('Temporary failure (smtp-capture failNext)'), {
            responseCode: 451,
          });
          callback(err);
        });
        stream.resume();
        return;
      }
      simpleParser(stream).then(
        (mail) => {
          messages.push(mail);
          callback();
          notify();
        },
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  // After startup, keep errors (e.g. a client resetting its connection) from crashing the test process.
  server.on('error', () => {});

  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,

    waitForMessages(n: number, timeoutMs = 5000): Promise<ParsedMail[]> {
      return new Promise<ParsedMail[]>((resolve, reject) => {
        const check = (): void => {
          if (messages.length >= n) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(messages.slice(0, n));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`smtp-capture: expected ${n} message(s) within ${timeoutMs} ms, got ${messages.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },

    take(match: (mail: ParsedMail) => boolean, timeoutMs = 5000): Promise<ParsedMail> {
      return new Promise<ParsedMail>((resolve, reject) => {
        const check = (): void => {
          const index = messages.findIndex(match);
          if (index < 0) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(messages.splice(index, 1)[0] as ParsedMail);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`smtp-capture: no matching message within ${timeoutMs} ms (${messages.length} others)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },

    failNext(n: number): void {
      failuresLeft = n;
    },

    close(): Promise<void> {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
