/**
 * Local home signing: one P-256 key per school in node:crypto, kept as a JWK file (mode 0600)
 * in the git-ignored data folder. Same contract as KMS: the private key never leaves this module.
 */
import { generateKeyPairSync, createPrivateKey, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { AttestoError } from '../core/errors';
import type { KeyManager, Signer } from '../core/ports';

export class LocalKeys implements Signer, KeyManager {
  private readonly cache = new Map<string, KeyObject>();

  constructor(private readonly dir: string) {}

  async createKey(uai: string): Promise<{ keyRef: string; publicJwk: JWK }> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // One file per key (a school gets a new one at each rotation): local:<uai>.<random id>.
    const keyRef = `local:${uai}.${randomBytes(4).toString('hex')}`;
    const file = this.file(keyRef);
    if (existsSync(file)) throw new AttestoError('SIGNER_UNAVAILABLE', `key ${keyRef} already exists; retry`);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(file, JSON.stringify(privateKey.export({ format: 'jwk' })), { mode: 0o600, flag: 'wx' });
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    return { keyRef, publicJwk: { kty, crv, x, y } as JWK };
  }

  async sign(keyRef: string, data: Uint8Array): Promise<Uint8Array> {
    // ieee-p1363 is the JWS form: r‖s, 32 bytes each.
    return nodeSign('sha256', data, { key: this.key(keyRef), dsaEncoding: 'ieee-p1363' });
  }

  private key(keyRef: string): KeyObject {
    let key = this.cache.get(keyRef);
    if (!key) {
      try {
        key = createPrivateKey({ key: JSON.parse(readFileSync(this.file(keyRef), 'utf8')), format: 'jwk' });
      } catch (e) {
        throw new AttestoError('SIGNER_UNAVAILABLE', `local key ${keyRef} cannot be read`, { cause: e });
      }
      this.cache.set(keyRef, key);
    }
    return key;
  }

  private file(keyRef: string): string {
    const m = /^local:([0-9]{7}[A-Z](?:\.[0-9a-f]{8})?)$/.exec(keyRef);
    if (!m) throw new AttestoError('SIGNER_UNAVAILABLE', `not a local key reference: ${keyRef}`);
    return join(this.dir, `${m[1]}.jwk.json`);
  }
}
