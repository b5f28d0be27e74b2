/**
 * An AWS KMS stand-in built on aws-sdk-client-mock: keys are real P-256 keys, and Sign signs the
 * given SHA-256 digest and returns it DER-encoded, exactly as KMS does for ECDSA_SHA_256 with
 * MessageType DIGEST. Optionally throttles a share of Sign calls.
 */
import { CreateKeyCommand, DisabledException, GetPublicKeyCommand, KMSClient, KMSInvalidStateException, KMSServiceException, NotFoundException, SignCommand } from '@aws-sdk/client-kms';
import { p256 } from '@noble/curves/p256';
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mockClient } from 'aws-sdk-client-mock';
import type { Statement } from '../infra/synth';

export interface FakeKmsOptions {
  throttleRatio?: number;
  random?: () => number;
  /** Mock every KMSClient (the class), e.g. session clients created inside an adapter. */
  mockClass?: boolean;
  /** Plays IAM's part: may the caller (its access key id) sign with a key carrying these tags (and this key policy)? */
  authorize?: (keyTags: Record<string, string>, accessKeyId: string, keyPolicy?: { Statement: Statement[] }) => boolean;
}

export function fakeKms(options: FakeKmsOptions = {}) {
  const client = new KMSClient({ region: 'eu-west-3', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  const mock = options.mockClass ? mockClient(KMSClient) : mockClient(client);
  /** Each key, with the key policy it was created with (undefined: KMS's default). */
  const keys = new Map<string, { privateKey: KeyObject; publicKey: KeyObject; tags: Record<string, string>; policy?: { Statement: Statement[] } }>();
  const stats = { sign: 0, throttled: 0, digests: [] as Buffer[] };
  /** Keys an operator has disabled: KMS refuses to sign with them. */
  const disabled = new Set<string>();
  /** Keys KMS does not know yet everywhere (eventual consistency after CreateKey): so many Sign calls answer NotFound. */
  const notYetVisible = new Map<string, number>();
  const random = options.random ?? Math.random;

  mock.on(CreateKeyCommand).callsFake((input) => {
    if (input.KeySpec !== 'ECC_NIST_P256' || input.KeyUsage !== 'SIGN_VERIFY') throw new Error('unexpected key spec');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const arn = `arn:aws:kms:eu-west-3:111122223333:key/${keys.size + 1}`;
    keys.set(arn, {
      privateKey,
      publicKey,
      tags: Object.fromEntries((input.Tags ?? []).map((t: { TagKey: string; TagValue: string }) => [t.TagKey, t.TagValue])),
      ...(input.Policy ? { policy: JSON.parse(input.Policy) } : {}),
    });
    return { KeyMetadata: { Arn: arn, KeyId: String(keys.size) } };
  });
  mock.on(GetPublicKeyCommand).callsFake((input) => {
    const key = keys.get(input.KeyId);
    if (!key) throw new KMSInvalidStateException({ message: 'no key', $metadata: {} });
    return { KeyId: input.KeyId, KeySpec: 'ECC_NIST_P256', PublicKey: new Uint8Array(key.publicKey.export({ format: 'der', type: 'spki' })) };
  });
  mock.on(SignCommand).callsFake(async (input, getClient) => {
    stats.sign += 1;
    if (options.throttleRatio && random() < options.throttleRatio) {
      stats.throttled += 1;
      // What KMS answers past its request quota (not modelled as a class by the SDK).
      throw new KMSServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    }
    const key = keys.get(input.KeyId);
    if (!key) throw new KMSInvalidStateException({ message: 'no key', $metadata: {} });
    if (disabled.has(input.KeyId)) throw new DisabledException({ message: `${input.KeyId} is disabled.`, $metadata: { httpStatusCode: 400 } });
    const unseen = notYetVisible.get(input.KeyId) ?? 0;
    if (unseen > 0) {
      notYetVisible.set(input.KeyId, unseen - 1);
      throw new NotFoundException({ message: `Key '${input.KeyId}' does not exist`, $metadata: { httpStatusCode: 400 } });
    }
    if (options.authorize) {
      const credentials = await (getClient() as KMSClient).config.credentials();
      if (!options.authorize(key.tags, credentials.accessKeyId, key.policy)) {
        throw new KMSServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized by the key tags', $metadata: { httpStatusCode: 400 } });
      }
    }
    if (input.SigningAlgorithm !== 'ECDSA_SHA_256' || input.MessageType !== 'DIGEST' || input.Message.length !== 32) throw new Error('unexpected sign request');
    stats.digests.push(Buffer.from(input.Message));
    const d = Buffer.from(key.privateKey.export({ format: 'jwk' }).d!, 'base64url');
    // KMS signs the digest as given (prehash: false) and returns ASN.1 DER.
    const signature = p256.sign(input.Message, d, { prehash: false, lowS: false });
    return { KeyId: input.KeyId, Signature: signature.toDERRawBytes(), SigningAlgorithm: 'ECDSA_SHA_256' };
  });

  return { client, mock, keys, stats, disabled, notYetVisible, publicKeyOf: (arn: string) => createPublicKey(keys.get(arn)!.publicKey) };
}

export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest();
