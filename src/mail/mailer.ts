import { createTransport } from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
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

  return {
    async send(message: MailMessage): Promise<void> {
      await transport.sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
    },
    close(): void {
      transport.close();
    },
  };
}
