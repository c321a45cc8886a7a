import { randomBytes } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { Logger } from '../shared/logger.js';

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export interface MailerOptions {
  /** e.g. smtp://user:pass@smtp.example.com:587 or smtps://… */
  smtpUrl: string;
  /** From header, e.g. "Hash Report <reports@example.com>" */
  from: string;
  /** Gets the SMTP server's own words for each failure, credentials taken out. */
  logger: Logger;
}

/**
 * A send that failed, in words for users: the server's own text can carry credentials (some servers
 * echo the AUTH line) and means little to an analyst, so they get a reference to the log line instead.
 */
export class MailError extends Error {
  constructor(readonly reference: string) {
    super(`The email server did not take the message (reference ${reference}; the server's log has the details).`);
    this.name = 'MailError';
  }
}

/**
 * Sends mail over SMTP. Short timeouts so that a dead or unreachable SMTP server
 * makes `send` reject instead of hanging the report pipeline.
 * Timeouts given as query parameters in the URL (?connectionTimeout=…) take precedence.
 */
export function createMailer(options: MailerOptions): Mailer {
  const transport = createTransport({
    url: options.smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  const redact = secretRedactor(options.smtpUrl);

  return {
    async send(message: MailMessage): Promise<void> {
      try {
        await transport.sendMail({
          from: options.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          attachments: message.attachments,
        });
      } catch (err) {
        const reference = randomBytes(4).toString('hex');
        const { code, responseCode } = (err ?? {}) as { code?: string; responseCode?: number };
        options.logger.error({ reference, code, responseCode, smtp: redact(err instanceof Error ? err.message : String(err)) }, 'SMTP send failed');
        // A new error, so no stack or cause carries the server's text to a page.
        throw new MailError(reference);
      }
    },
    close(): void {
      transport.close();
    },
  };
}

/**
 * Some servers echo what they were sent; the SMTP password must never reach a log through them: as
 * written in SMTP_URL (URL-encoded), decoded, or base64 as AUTH LOGIN and AUTH PLAIN send it.
 */
export function secretRedactor(smtpUrl: string): (text: string) => string {
  let user = '';
  let password = '';
  try {
    ({ username: user, password } = new URL(smtpUrl));
  } catch {
    // nodemailer reports a malformed URL itself.
  }
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  const plain = [password, safeDecode(password)].filter((s) => s.length > 0);
  const secrets = new Set([
    ...plain,
    ...plain.map(base64),
    ...plain.map((p) => base64(`\u0000${safeDecode(user)}\u0000${p}`)),
    ...plain.map((p) => base64(`${safeDecode(user)}\u0000${safeDecode(user)}\u0000${p}`)),
  ]);
  // Longest first: a secret that contains another is taken out whole.
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((out, secret) => out.split(secret).join('***'), text);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
