import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import argon2 from 'argon2';
import { hashPassword, needsRehash, verifyPassword } from '../../src/auth/password.js';

/** OWASP Password Storage Cheat Sheet: argon2id with at least m = 19 MiB, t = 2, p = 1. */
const OWASP_MINIMUM = { m: 19_456, t: 2, p: 1 };

/**
 * The algorithm and parameters of a PHC-encoded argon2 hash ("$argon2id$v=19$m=…,p=…,t=…$salt$hash");
 * the parameters are read by name, as PHC does not fix their order (node-argon2 writes m, p, t).
 */
function parameters(hash: string): { type: string; m: number; t: number; p: number } {
  const match = /^\$(argon2(?:id|i|d))\$v=\d+\$([a-z]=\d+(?:,[a-z]=\d+)*)\$/.exec(hash);
  assert.ok(match?.[1] && match[2], `not an encoded argon2 hash: ${hash.slice(0, 40)}`);
  const params = new Map(match[2].split(',').map((kv) => [kv.slice(0, 1), Number(kv.slice(2))]));
  return { type: match[1], m: params.get('m') ?? 0, t: params.get('t') ?? 0, p: params.get('p') ?? 0 };
}

describe('password hashing', () => {
  it('when a password is hashed, then it is argon2id with every parameter at or above the OWASP minimum', async () => {
    // Act
    const params = parameters(await hashPassword('correct horse battery'));

    // Assert
    assert.equal(params.type, 'argon2id');
    assert.ok(params.m >= OWASP_MINIMUM.m, `memory ${params.m} KiB`);
    assert.ok(params.t >= OWASP_MINIMUM.t, `iterations ${params.t}`);
    assert.ok(params.p >= OWASP_MINIMUM.p, `parallelism ${params.p}`);
  });

  it('when a hash was made with other parameters or another argon2 variant, then it needs a rehash; a current one does not', async () => {
    // Arrange
    const current = await hashPassword('correct horse battery');
    const weaker = await argon2.hash('correct horse battery', { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const argon2i = await argon2.hash('correct horse battery', { type: argon2.argon2i, memoryCost: 65_536, timeCost: 3, parallelism: 4 });

    // Assert
    assert.equal(needsRehash(current), false);
    assert.equal(needsRehash(weaker), true);
    assert.equal(needsRehash(argon2i), true);
    assert.equal(needsRehash('not a hash'), true);
  });

  it('when a password is checked against a malformed hash, then it is simply wrong', async () => {
    assert.equal(await verifyPassword('$argon2id$broken', 'anything'), false);
  });
});
