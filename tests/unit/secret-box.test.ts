import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecretBox, loadSecretBox } from '../../src/shared/secret-box.js';

const MATERIAL = 'a'.repeat(64);
const OTHER_MATERIAL = 'b'.repeat(64);
const SECRET = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

/** A path for a key file that does not exist yet, in a directory that does not exist yet either. */
function freshKeyFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'secret-box-')), 'nested', 'secret.key');
}

/**
 * Flips one bit of a decoded byte of a part of `v1.iv.tag.body`. Changing a base64 character instead
 * could touch only padding bits and leave the bytes as they were.
 */
function tamper(sealed: string, part: 'iv' | 'tag' | 'body'): string {
  const parts = sealed.split('.');
  const index = ['version', 'iv', 'tag', 'body'].indexOf(part);
  const bytes = Buffer.from(parts[index] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

test('when a secret is sealed, then the same box opens it and the sealed text does not contain it', () => {
  // Arrange
  const box = createSecretBox(MATERIAL);

  // Act
  const sealed = box.seal(SECRET);

  // Assert
  assert.ok(!sealed.includes(SECRET));
  assert.equal(box.open(sealed), SECRET);
});

test('when a box with another key opens a sealed secret, then it throws', () => {
  // Arrange
  const sealed = createSecretBox(MATERIAL).seal(SECRET);

  // Act + Assert
  assert.throws(() => createSecretBox(OTHER_MATERIAL).open(sealed));
});

test('when sealed text is altered, then opening it throws', () => {
  // Arrange
  const box = createSecretBox(MATERIAL);
  const sealed = box.seal(SECRET);

  // Act + Assert
  assert.throws(() => box.open(tamper(sealed, 'body')));
  assert.throws(() => box.open(tamper(sealed, 'tag')));
  assert.throws(() => box.open(tamper(sealed, 'iv')));
  assert.throws(() => box.open('not sealed at all'));
});

test('when the same secret is sealed twice, then the two texts differ (a fresh IV each time)', () => {
  // Arrange
  const box = createSecretBox(MATERIAL);

  // Act
  const first = box.seal(SECRET);
  const second = box.seal(SECRET);

  // Assert
  assert.notEqual(first, second);
  assert.equal(box.open(first), box.open(second));
});

test('when no SECRET_KEY is set, then a key file readable by its owner only is generated once and reused', () => {
  // Arrange
  const file = freshKeyFile();

  // Act
  const first = loadSecretBox({ secretKey: undefined, secretKeyFile: file });
  const material = readFileSync(file, 'utf8');
  const sealed = first.seal(SECRET);
  const second = loadSecretBox({ secretKey: undefined, secretKeyFile: file });

  // Assert
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.match(material.trim(), /^[0-9a-f]{64}$/);
  assert.equal(readFileSync(file, 'utf8'), material, 'the second load keeps the file as it was');
  assert.equal(second.open(sealed), SECRET);
});

test('when SECRET_KEY is set, then it wins over an existing key file and no file is created without one', () => {
  // Arrange
  const file = freshKeyFile();
  const fromFile = loadSecretBox({ secretKey: undefined, secretKeyFile: file });
  const unusedFile = freshKeyFile();

  // Act
  const box = loadSecretBox({ secretKey: MATERIAL, secretKeyFile: file });
  loadSecretBox({ secretKey: MATERIAL, secretKeyFile: unusedFile });

  // Assert
  assert.equal(box.open(createSecretBox(MATERIAL).seal(SECRET)), SECRET);
  assert.throws(() => box.open(fromFile.seal(SECRET)));
  assert.equal(existsSync(unusedFile), false);
});
