import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

// The demo's mail sink: a local SMTP server that keeps each message as an .eml file a user opens in
// any mail program (or a text editor), so confirmation and change emails can be read without a
// mail account. Messages hold sign-in links: the folder is 0700 and each file 0600.

export interface DemoMailSink {
  /** smtp://127.0.0.1:PORT, for SMTP_URL. */
  url: string;
  folder: string;
  close(): Promise<void>;
}

const subjectOf = (raw: string): string => /^Subject: ?(.*(?:\r?\n[ \t].*)*)/im.exec(raw.split(/\r?\n\r?\n/, 1)[0] ?? '')?.[1]?.replace(/\r?\n[ \t]/g, ' ') ?? '(no subject)';

export async function startDemoMailSink(folder: string, onMessage: (file: string, subject: string) => void): Promise<DemoMailSink> {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    // STARTTLS off: smtp-server's bundled certificate has expired, and the sink only listens on 127.0.0.1.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 1000,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('error', callback);
      stream.once('end', () => {
        const raw = Buffer.concat(chunks);
        const name = `${new Date().toISOString().replaceAll(':', '-')}-${String(++count).padStart(3, '0')}.eml`;
        const file = join(folder, name);
        try {
          writeFileSync(file, raw, { mode: 0o600, flag: 'wx' });
        } catch (err) {
          return callback(err as Error);
        }
        callback();
        onMessage(file, subjectOf(raw.toString('utf8')));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client dropping its connection must not end the demo.
  server.on('error', () => {});
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, folder, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
