/**
 * Pending offers must hold the student's data until a wallet comes for it. attesto keeps it
 * only sealed (AES-256-GCM) under a key derived from a secret that exists in the offer link
 * handed to the student, never in the store: the store keeps the secret's SHA-256 as lookup key.
 * A copy of the database therefore reveals nothing readable about pending offers.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { sha256 } from '../hash';

export const lookupHash = sha256;

function keyFor(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'attesto/oid4vci', purpose, 32));
}

export function seal(secret: string, purpose: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret, purpose), iv);
  // The lookup hash as associated data binds the ciphertext to its record.
  cipher.setAAD(Buffer.from(lookupHash(secret)));
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

export function unseal<T>(secret: string, purpose: string, sealed: string): T {
  const [v, iv, ct, tag] = sealed.split('.');
  if (v !== 'v1' || !iv || !ct || !tag) throw new Error('unknown sealing');
  // The full 16-byte tag, nothing shorter: Node would otherwise take a 4-byte one (2^32 tries to forge).
  const decipher = createDecipheriv('aes-256-gcm', keyFor(secret, purpose), Buffer.from(iv, 'base64url'), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(lookupHash(secret)));
  const authTag = Buffer.from(tag, 'base64url');
  if (authTag.length !== 16) throw new Error('unknown sealing');
  decipher.setAuthTag(authTag);
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8')) as T;
}
