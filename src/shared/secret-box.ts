import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Seals small secrets (users' API keys) for storage: AES-256-GCM, a fresh IV each time, tamper-evident. */
export interface SecretBox {
  seal(plain: string): string;
  /** Throws when the text was sealed with another key or altered. */
  open(sealed: string): string;
}

const VERSION = 'v1';

export function createSecretBox(material: string): SecretBox {
  // Any string of 32+ characters becomes a 256-bit key; the generated file holds 32 random bytes in hex.
  const key = createHash('sha256').update(material, 'utf8').digest();
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * The box for this install: SECRET_KEY when set, else a key generated once into a file beside (not in)
 * the database, readable by the app's user only. A stolen database file alone opens nothing.
 */
export function loadSecretBox(options: { secretKey: string | undefined; secretKeyFile: string }): SecretBox {
  if (options.secretKey) return createSecretBox(options.secretKey);
  const file = options.secretKeyFile;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    // 'wx' fails if another process created it first; then we read theirs.
    try {
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(file, 0o600);
  const material = readFileSync(file, 'utf8').trim();
  if (material.length < 32) throw new Error(`${file} holds no usable secret key (expected 64 hex characters)`);
  return createSecretBox(material);
}
