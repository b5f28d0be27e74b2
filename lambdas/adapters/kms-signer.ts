/**
 * Signing with AWS KMS (ECC_NIST_P256 keys, SIGN_VERIFY). KMS returns ECDSA signatures DER-encoded
 * (ASN.1 SEQUENCE of two INTEGERs); JWS wants the fixed 64-byte r‖s form (RFC 7518 §3.4).
 * Throttling is retried with backoff and full jitter by the SDK's adaptive retry strategy; what
 * still fails becomes SIGNER_UNAVAILABLE (503 with Retry-After), never a half-made credential.
 */
import {
  CreateKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  SignCommand,
  type Tag,
} from '@aws-sdk/client-kms';
import { createHash, createPublicKey } from 'node:crypto';
import ecdsaSigFormatter from 'ecdsa-sig-formatter';
import type { JWK } from 'jose';
import { AttestoError } from '../core/errors';
import type { KeyManager, Signer } from '../core/ports';

export interface KmsSignerOptions {
  /** Tags added to every key a school gets (the UAI tag is always added). */
  tags?: Tag[];
  /** Key policy document (JSON) for new keys; KMS default when absent. */
  keyPolicy?: string;
}

export class KmsSigner implements Signer, KeyManager {
  private readonly publicKeys = new Map<string, JWK>();

  constructor(
    private readonly kms: KMSClient = new KMSClient({ retryMode: 'adaptive', maxAttempts: 5 }),
    private readonly options: KmsSignerOptions = {},
  ) {}

  async sign(keyRef: string, data: Uint8Array): Promise<Uint8Array> {
    let out;
    try {
      // KMS takes at most 4 KB as a RAW message; a transcript's signing input can be larger, so
      // hash here and let KMS sign the digest.
      const digest = createHash('sha256').update(data).digest();
      out = await this.kms.send(new SignCommand({ KeyId: keyRef, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));
    } catch (e) {
      throw new AttestoError('SIGNER_UNAVAILABLE', 'the signing service is unavailable; retry', { cause: e, retryAfter: 1 });
    }
    if (!out.Signature) throw new AttestoError('SIGNER_UNAVAILABLE', 'the signing service returned no signature', { retryAfter: 1 });
    return derToJose(out.Signature);
  }

  /** The key's public half as a JWK, from its SubjectPublicKeyInfo; cached (it never changes). */
  async publicJwk(keyRef: string): Promise<JWK> {
    const cached = this.publicKeys.get(keyRef);
    if (cached) return cached;
    const out = await this.kms.send(new GetPublicKeyCommand({ KeyId: keyRef }));
    if (!out.PublicKey || out.KeySpec !== 'ECC_NIST_P256') throw new AttestoError('SIGNER_UNAVAILABLE', `key ${keyRef} is not an ECC_NIST_P256 key`);
    const { kty, crv, x, y } = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    const jwk = { kty, crv, x, y } as JWK;
    this.publicKeys.set(keyRef, jwk);
    return jwk;
  }

  async createKey(uai: string): Promise<{ keyRef: string; publicJwk: JWK }> {
    const out = await this.kms.send(
      new CreateKeyCommand({
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        Description: `attesto signing key of school ${uai}`,
        Tags: [{ TagKey: 'attesto:uai', TagValue: uai }, ...(this.options.tags ?? [])],
        ...(this.options.keyPolicy ? { Policy: this.options.keyPolicy } : {}),
      }),
    );
    const keyRef = out.KeyMetadata?.Arn ?? out.KeyMetadata?.KeyId;
    if (!keyRef) throw new AttestoError('SIGNER_UNAVAILABLE', 'KMS created no key');
    return { keyRef, publicJwk: await this.publicJwk(keyRef) };
  }
}

/** DER ECDSA signature → 64-byte r‖s. */
export function derToJose(der: Uint8Array): Uint8Array {
  return Buffer.from(ecdsaSigFormatter.derToJose(Buffer.from(der), 'ES256'), 'base64url');
}
