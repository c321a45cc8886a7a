import { createTransport } from 'nodemailer';

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
        // The message is shown to users (report page, settings page): a new error, so no stack or
        // cause carries the original text along.
        throw new Error(redact(err instanceof Error ? err.message : String(err)));
      }
    },
    close(): void {
      transport.close();
    },
  };
}

/** Some servers echo what they were sent; the SMTP password must never reach a page or a log through them. */
function secretRedactor(smtpUrl: string): (text: string) => string {
  let password = '';
  try {
    password = new URL(smtpUrl).password;
  } catch {
    // nodemailer reports a malformed URL itself.
  }
  const secrets = [...new Set([password, safeDecode(password)])].filter((s) => s.length > 0);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
