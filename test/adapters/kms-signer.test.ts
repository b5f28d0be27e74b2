import { compactVerify, importJWK } from 'jose';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { derToJose, KmsSigner } from '../../lambdas/adapters/kms-signer';
import { AttestoError } from '../../lambdas/core/errors';
import { signVcJose, signVcJwt } from '../../lambdas/core/credential/jws';
import { fakeKms, sha256 } from '../helpers/fake-kms';

describe('KMS signer', () => {
  it('creates a P-256 SIGN_VERIFY key per school, tagged with its UAI', async () => {
    const kms = fakeKms();
    const signer = new KmsSigner(kms.client);
    const { keyRef, publicJwk } = await signer.createKey('0751234J');
    expect(kms.keys.get(keyRef)!.tags['attesto:uai']).toBe('0751234J');
    expect(publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(publicJwk).not.toHaveProperty('d');
  });

  it('turns the DER signature KMS returns into the 64-byte JWS form, which jose verifies', async () => {
    const kms = fakeKms();
    const signer = new KmsSigner(kms.client);
    const { keyRef, publicJwk } = await signer.createKey('0751234J');
    const input = new TextEncoder().encode('header.payload');
    const signature = await signer.sign(keyRef, input);
    expect(signature.length).toBe(64);
    // KMS was sent the SHA-256 of the signing input, never the input itself.
    expect(kms.stats.digests[0]).toEqual(sha256(input));
    const jws = `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from('hi').toString('base64url')}`;
    const sig = await signer.sign(keyRef, new TextEncoder().encode(jws));
    const { payload } = await compactVerify(`${jws}.${Buffer.from(sig).toString('base64url')}`, await importJWK(publicJwk, 'ES256'));
    expect(new TextDecoder().decode(payload)).toBe('hi');
  });

  it('signs credentials (VC 1.1 JWT and VC 2.0 vc+jwt) that jose verifies with the key from GetPublicKey', async () => {
    const kms = fakeKms();
    const signer = new KmsSigner(kms.client);
    const { keyRef, publicJwk } = await signer.createKey('0751234J');
    const key = { signer, keyRef, did: 'did:web:a.fr:schools:0751234J', kid: 'did:web:a.fr:schools:0751234J#key-1' };
    const big = { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential'], issuanceDate: '2026-01-01T00:00:00Z', issuer: key.did, credentialSubject: { notes: 'x'.repeat(10_000) } };
    for (const jws of [await signVcJwt(big, key), await signVcJose({ ...big, '@context': ['https://www.w3.org/ns/credentials/v2'] }, key)]) {
      const { protectedHeader } = await compactVerify(jws, await importJWK(publicJwk, 'ES256'));
      expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: key.kid });
    }
  });

  it('caches the public key: GetPublicKey is called once per key', async () => {
    const kms = fakeKms();
    const signer = new KmsSigner(kms.client);
    const { keyRef } = await signer.createKey('0751234J');
    await signer.publicJwk(keyRef);
    await signer.publicJwk(keyRef);
    expect(kms.mock.commandCalls((await import('@aws-sdk/client-kms')).GetPublicKeyCommand)).toHaveLength(1);
  });

  it('retries a throttled CreateKey and GetPublicKey as it retries Sign (a registration must not fail on one throttle)', async () => {
    const { CreateKeyCommand, GetPublicKeyCommand, KMSServiceException } = await import('@aws-sdk/client-kms');
    const kms = fakeKms();
    const throttled = () => new KMSServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    // One throttle before each answer: the fake's own behaviour is kept for the calls after.
    const created = kms.mock.commandCalls(CreateKeyCommand).length;
    kms.mock.on(CreateKeyCommand).rejectsOnce(throttled()).callsFakeOnce(() => ({ KeyMetadata: { Arn: 'arn:aws:kms:eu-west-3:111122223333:key/k' } }));
    kms.mock.on(GetPublicKeyCommand).rejectsOnce(throttled()).resolves({ KeySpec: 'ECC_NIST_P256', PublicKey: new Uint8Array(Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5', 'hex')) });
    const signer = new KmsSigner(kms.client, { sleep: async () => undefined });
    const { keyRef, publicJwk } = await signer.createKey('0751234J');
    expect(keyRef).toBe('arn:aws:kms:eu-west-3:111122223333:key/k');
    expect(publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(kms.mock.commandCalls(CreateKeyCommand).length - created).toBe(2);
    expect(kms.mock.commandCalls(GetPublicKeyCommand)).toHaveLength(2);
  });

  it('reports a throttled or failing KMS as SIGNER_UNAVAILABLE (503, retryable)', async () => {
    const kms = fakeKms({ throttleRatio: 1 });
    const signer = new KmsSigner(kms.client);
    const { keyRef } = await signer.createKey('0751234J');
    const error = await signer.sign(keyRef, new Uint8Array([1])).catch((e) => e);
    expect(error).toBeInstanceOf(AttestoError);
    expect(error).toMatchObject({ code: 'SIGNER_UNAVAILABLE', status: 503, retryAfter: 1 });
  });

  it('reports a disabled key as SIGNING_KEY_UNUSABLE (500, no Retry-After) after one attempt: no retry mends it', async () => {
    const kms = fakeKms();
    const signer = new KmsSigner(kms.client, { sleep: async () => undefined });
    const { keyRef } = await signer.createKey('0751234J');
    kms.disabled.add(keyRef);
    const error = await signer.sign(keyRef, new Uint8Array([1])).catch((e) => e);
    expect(error).toMatchObject({ code: 'SIGNING_KEY_UNUSABLE', status: 500 });
    expect(error.retryAfter).toBeUndefined();
    expect(error.message).toContain('DisabledException');
    expect(kms.stats.sign).toBe(1);
  });

  it('retries a key KMS does not know yet (eventual consistency after CreateKey), and calls a key still unknown after its attempts unusable', async () => {
    const kms = fakeKms();
    const signer = new KmsSigner(kms.client, { sleep: async () => undefined });
    const { keyRef } = await signer.createKey('0751234J');
    kms.notYetVisible.set(keyRef, 2);
    expect(await signer.sign(keyRef, new Uint8Array([1]))).toHaveLength(64);
    expect(kms.stats.sign).toBe(3);
    kms.notYetVisible.set(keyRef, 100);
    expect(await signer.sign(keyRef, new Uint8Array([1])).catch((e) => e)).toMatchObject({ code: 'SIGNING_KEY_UNUSABLE', status: 500 });
    expect(kms.stats.sign).toBe(3 + 6);
  });

  it('gives up on a KMS that accepts the connection and never answers: a 503 in seconds, not a function timeout', async () => {
    const { KMSClient } = await import('@aws-sdk/client-kms');
    const { AWS_CLIENT_TIMEOUTS } = await import('../../lambdas/adapters/aws-timeouts');
    // A stalled endpoint on loopback: it reads the request and never writes a byte back.
    const sockets: import('node:net').Socket[] = [];
    const stalled = createServer((socket) => void sockets.push(socket.on('data', () => undefined)));
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(stalled.address() as import('node:net').AddressInfo).port}`;
      const client = new KMSClient({ ...AWS_CLIENT_TIMEOUTS, endpoint, region: 'eu-west-3', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
      const signer = new KmsSigner(client, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
      const error = await signer.sign('arn:aws:kms:eu-west-3:111122223333:key/k', new Uint8Array([1])).catch((e) => e);
      // Two attempts, each given up by the client's own request timeout (without it, this test
      // would wait for ever, until the test runner's timeout).
      expect(error).toMatchObject({ code: 'SIGNER_UNAVAILABLE', status: 503, retryAfter: 1 });
      expect(error.cause).toMatchObject({ name: 'TimeoutError' });
      expect(sockets.length).toBe(2);
    } finally {
      for (const socket of sockets) socket.destroy();
      stalled.close();
    }
  });

  it('waits for a slow CreateKey, and never sends one that timed out again, which could create a second key', async () => {
    const { KMSClient } = await import('@aws-sdk/client-kms');
    const { AWS_CLIENT_TIMEOUTS } = await import('../../lambdas/adapters/aws-timeouts');
    const { generateKeyPairSync } = await import('node:crypto');
    const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const creates: number[] = [];
    // A KMS that takes 1.5 s to create a key (longer than an ordinary call may take) and answers the rest at once.
    const slow = createHttpServer((req, res) => {
      const target = String(req.headers['x-amz-target']);
      req.resume().on('end', () => {
        const answer = (body: unknown) => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
        if (target.endsWith('CreateKey')) {
          creates.push(Date.now());
          setTimeout(() => answer({ KeyMetadata: { Arn: 'arn:aws:kms:eu-west-3:111122223333:key/slow', KeyId: 'slow' } }), 1_500);
        } else answer({ KeySpec: 'ECC_NIST_P256', PublicKey: spki, KeyId: 'slow' });
      });
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(slow.address() as import('node:net').AddressInfo).port}`;
      const client = new KMSClient({ ...AWS_CLIENT_TIMEOUTS, endpoint, region: 'eu-west-3', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
      const { keyRef } = await new KmsSigner(client, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } }).createKey('0751234J');
      expect(keyRef).toBe('arn:aws:kms:eu-west-3:111122223333:key/slow');
      expect(creates).toHaveLength(1);
      // Slower still than a create may take: it fails (503), and is not sent again, as the key may exist.
      const patient = new KmsSigner(client, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 }, createTimeoutMs: 500 });
      await expect(patient.createKey('0751234J')).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE', status: 503 });
      expect(creates).toHaveLength(2);
    } finally {
      slow.close();
    }
  });

  it('converts DER with leading-zero integers to fixed-width r‖s', () => {
    // r = 0x00ff…(32 bytes with high bit set → DER adds 0x00), s = 1 (DER: one byte).
    const r = Buffer.alloc(32, 0xff);
    const der = Buffer.concat([Buffer.from([0x30, 2 + 33 + 2 + 1, 0x02, 33, 0x00]), r, Buffer.from([0x02, 1, 0x01])]);
    const jose = derToJose(der);
    expect(jose.length).toBe(64);
    expect(Buffer.from(jose.subarray(0, 32))).toEqual(r);
    expect(jose[63]).toBe(1);
    expect(jose.subarray(32, 63).every((b) => b === 0)).toBe(true);
  });
});
