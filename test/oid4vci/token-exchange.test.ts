/**
 * The token endpoint's one-time redemption when the store fails halfway: the wallet must never be
 * left with a spent offer and no token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoWalletStore } from '../../lambdas/adapters/dynamo/wallet-store';
import { AttestoError } from '../../lambdas/core/errors';
import { createOffer, PIN_ATTEMPTS } from '../../lambdas/core/oid4vci/create-offer';
import { PRE_AUTHORIZED_GRANT } from '../../lambdas/core/oid4vci/metadata';
import { lookupHash } from '../../lambdas/core/oid4vci/sealing';
import { ACCESS_TOKEN_SECONDS, exchangePreAuthorizedCode, newNonce, NONCE_SECONDS } from '../../lambdas/core/oid4vci/token';
import { issueToWallet } from '../../lambdas/core/oid4vci/credential';
import { withdrawOffer } from '../../lambdas/core/oid4vci/withdraw-offer';
import { readAudit } from '../../lambdas/core/use-cases/read-audit';
import { decodeJwt, SignJWT } from 'jose';
import { walletKey } from '../helpers/wallet';
import type { Store } from '../../lambdas/core/store';
import { coreDeps, PUBLIC_URL, schoolWithToken } from '../helpers/core';
import { issueRequest, NOW } from '../helpers/fixtures';
import { startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps> & { wallet: DynamoWalletStore };
let school: Awaited<ReturnType<typeof schoolWithToken>>['school'];
let auditDown = false;

beforeAll(async () => {
  env = await startStore();
  // The real store, whose audit writes fail while `auditDown` is set.
  const store = new Proxy(env.store, {
    get(target, name) {
      if (name === 'appendAudit' && auditDown) return async () => Promise.reject(new AttestoError('STORE_UNAVAILABLE', 'storage is unavailable; retry', { retryAfter: 1 }));
      const value = Reflect.get(target, name) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Store;
  deps = { ...coreDeps(store), wallet: new DynamoWalletStore(env.db, 'attesto') };
  ({ school } = await schoolWithToken(deps, '0690001'));
});
afterAll(() => env.close());

type WalletKey = Awaited<ReturnType<typeof walletKey>>;
type Offer = Awaited<ReturnType<typeof createOffer>>;

/** An offer of a diploma to a wallet, redeemed: the offer and its access token. */
async function redeemedOffer() {
  const offer = await createOffer(deps, { school, actor: 'school:test', credential: issueRequest('DiplomaCredential').credential, txCode: false });
  const { access_token } = await exchangePreAuthorizedCode(deps, { grant_type: PRE_AUTHORIZED_GRANT, 'pre-authorized_code': offer.credentialOffer.grants[PRE_AUTHORIZED_GRANT]['pre-authorized_code'] });
  return { offer, access_token };
}

/** A credential request for the offer, with a fresh nonce and a proof by `key`, named by its `kid` (did:jwk) or as a `jwk`. */
async function credentialRequest(offer: Offer, key: WalletKey, named: 'kid' | 'jwk' = 'kid') {
  const { c_nonce } = await newNonce(deps);
  const jwt = await new SignJWT({ aud: `${PUBLIC_URL}/schools/${school.uai}`, iat: Math.floor(NOW.getTime() / 1000), nonce: c_nonce })
    .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', ...(named === 'kid' ? { kid: key.kid } : { jwk: key.publicJwk }) })
    .sign(key.privateKey);
  return { credential_configuration_id: offer.credentialConfigurationId, proofs: { jwt: [jwt] } };
}

const accessTokens = async () => (await env.scanAll()).filter((i) => String(i.pk).startsWith('ATOKEN#')).length;

describe('making an offer when the audit write fails', () => {
  it('closes the offer it could not record: its link leads nowhere, and the student data it sealed is gone', async () => {
    const offersBefore = new Set((await env.scanAll()).filter((i) => String(i.pk).startsWith('OFFER#') && i.sk === 'OFFER').map((i) => String(i.pk)));
    auditDown = true;
    try {
      await expect(createOffer(deps, { school, actor: 'school:test', credential: issueRequest('DiplomaCredential').credential, txCode: false })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503 });
    } finally {
      auditDown = false;
    }
    const made = (await env.scanAll()).filter((i) => String(i.pk).startsWith('OFFER#') && i.sk === 'OFFER' && !offersBefore.has(String(i.pk)));
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ state: 'withdrawn' });
    expect(made[0]!.sealed).toBeUndefined();
  });
});

describe('redeeming a pre-authorized code when the audit write fails', () => {
  it('answers 503 and leaves the offer open, PIN attempt refunded, with no token behind', async () => {
    const offer = await createOffer(deps, { school, actor: 'school:test', credential: issueRequest('DiplomaCredential').credential, txCode: true });
    const code = offer.credentialOffer.grants[PRE_AUTHORIZED_GRANT]['pre-authorized_code'];
    const form = { grant_type: PRE_AUTHORIZED_GRANT, 'pre-authorized_code': code, tx_code: offer.txCode! };
    const tokensBefore = await accessTokens();

    auditDown = true;
    try {
      await expect(exchangePreAuthorizedCode(deps, form)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503 });
    } finally {
      auditDown = false;
    }
    const reopened = await deps.wallet.getOffer(lookupHash(code));
    expect(reopened).toMatchObject({ state: 'offered', attemptsLeft: PIN_ATTEMPTS });
    expect(reopened?.sealed).toBeTypeOf('string');
    expect(await accessTokens()).toBe(tokensBefore);

    // The wallet retries the same code and PIN, and gets its token; the code is then spent.
    const granted = await exchangePreAuthorizedCode(deps, form);
    expect(granted.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await deps.wallet.getOffer(lookupHash(code))).toMatchObject({ state: 'redeemed' });
    await expect(exchangePreAuthorizedCode(deps, form)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refunds nothing for an offer without a PIN', async () => {
    const offer = await createOffer(deps, { school, actor: 'school:test', credential: issueRequest('EnrollmentCredential').credential, txCode: false });
    const code = offer.credentialOffer.grants[PRE_AUTHORIZED_GRANT]['pre-authorized_code'];
    auditDown = true;
    try {
      await expect(exchangePreAuthorizedCode(deps, { grant_type: PRE_AUTHORIZED_GRANT, 'pre-authorized_code': code })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      auditDown = false;
    }
    expect(await deps.wallet.getOffer(lookupHash(code))).toMatchObject({ state: 'offered', attemptsLeft: PIN_ATTEMPTS });
  });

  it('undoes only its own redemption: a late undo after another exchange redeemed the offer changes nothing', async () => {
    const offer = await createOffer(deps, { school, actor: 'school:test', credential: issueRequest('DiplomaCredential').credential, txCode: true });
    const hash = lookupHash(offer.credentialOffer.grants[PRE_AUTHORIZED_GRANT]['pre-authorized_code']);
    const { sealed } = (await deps.wallet.getOffer(hash))!;
    expect(await deps.wallet.redeemOffer(hash, 'token-A')).toBe(true);
    expect(await deps.wallet.redeemOffer(hash, 'token-A')).toBe(true); // the same call, retried
    await deps.wallet.reopenOffer(hash, 'token-A', sealed, false);
    expect(await deps.wallet.redeemOffer(hash, 'token-B')).toBe(true);
    expect(await deps.wallet.redeemOffer(hash, 'token-C')).toBe(false); // single use
    await deps.wallet.reopenOffer(hash, 'token-A', sealed, true); // A's undo, retried late
    expect(await deps.wallet.getOffer(hash)).toMatchObject({ state: 'redeemed', redeemedBy: 'token-B', attemptsLeft: PIN_ATTEMPTS });
  });
});

describe('redeeming an access token at the credential endpoint', () => {
  it('tells a wallet whose token another request is redeeming to retry (409, Retry-After), not that its token is spent', async () => {
    const { offer, access_token } = await redeemedOffer();
    const key = await walletKey();
    const request = () => credentialRequest(offer, key);
    // The first request is still signing (a slow KMS) when the wallet sends the second.
    let release!: () => void;
    let signing!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const reached = new Promise<void>((r) => (signing = r));
    const slow = { ...deps, signer: { sign: async (keyRef: string, data: Uint8Array) => (signing(), await held, deps.signer.sign(keyRef, data)) } };
    const first = issueToWallet(slow, access_token, await request());
    // The second is sent once the first holds the token and signs, not after a guess of how long that takes.
    await reached;
    await expect(issueToWallet(deps, access_token, await request())).rejects.toMatchObject({ code: 'IDEMPOTENCY_IN_PROGRESS', status: 409, retryAfter: 1 });
    release();
    const delivered = (await first) as { credentials: { credential: string }[] };
    expect(decodeJwt(delivered.credentials[0]!.credential).sub).toBe(key.did);
    // Once delivered, the token is spent.
    await expect(issueToWallet(deps, access_token, await request())).rejects.toMatchObject({ error: 'invalid_token' });
  });
});

describe('a wallet retrying after a failed attempt', () => {
  it('gets its credential with a new key after the first attempt failed on the signer, and the token is spent once it is delivered', async () => {
    const { offer, access_token } = await redeemedOffer();
    const request = (key: WalletKey) => credentialRequest(offer, key);
    const credentials = async () => (await env.scanAll()).filter((i) => String(i.pk).startsWith('CRED#')).length;
    const before = await credentials();
    const throttled = { ...deps, signer: { sign: async () => Promise.reject(new AttestoError('SIGNER_UNAVAILABLE', 'throttled', { retryAfter: 1 })) } };
    await expect(issueToWallet(throttled, access_token, await request(await walletKey()))).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE', status: 503 });
    // The wallet makes a new key for its retry (as some do for every attempt).
    const second = await walletKey();
    const delivered = (await issueToWallet(deps, access_token, await request(second))) as { credentials: { credential: string }[] };
    expect(decodeJwt(delivered.credentials[0]!.credential).sub).toBe(second.did);
    expect(await credentials()).toBe(before + 1);
    await expect(issueToWallet(deps, access_token, await request(await walletKey()))).rejects.toMatchObject({ error: 'invalid_token' });
    await expect(issueToWallet(deps, access_token, await request(second))).rejects.toMatchObject({ error: 'invalid_token' });
  });
});

describe('two keys racing for one access token', () => {
  it('gives the credential to the first key only, even when the second arrives before the token is marked spent', async () => {
    const { offer, access_token } = await redeemedOffer();
    const request = (key: WalletKey) => credentialRequest(offer, key);
    // The first request has issued, and is held just before it marks the token spent.
    let release!: () => void;
    let reached!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const atSpend = new Promise<void>((r) => (reached = r));
    const wallet = new Proxy(deps.wallet, {
      get: (target, name, receiver) => (name === 'consumeAccessToken' ? async (hash: string) => (reached(), await held, target.consumeAccessToken(hash)) : Reflect.get(target, name, receiver)),
    });
    const first = await walletKey();
    const firstDelivery = issueToWallet({ ...deps, wallet }, access_token, await request(first));
    await atSpend;
    // A second key (a stolen token, another device) asks meanwhile: refused, nothing bound to it.
    await expect(issueToWallet(deps, access_token, await request(await walletKey()))).rejects.toMatchObject({ error: 'invalid_token' });
    release();
    const delivered = (await firstDelivery) as { credentials: { credential: string }[] };
    expect(decodeJwt(delivered.credentials[0]!.credential).sub).toBe(first.did);
  });
});

describe('a wallet retrying after its credential was issued but not delivered', () => {
  it('gets it back with the same key, however its proof names the key; another key does not', async () => {
    const { offer, access_token } = await redeemedOffer();
    const key = await walletKey();
    // Issued and committed; the audit write fails after, so the answer is a 503 and nothing reaches the wallet.
    auditDown = true;
    try {
      await expect(issueToWallet(deps, access_token, await credentialRequest(offer, key, 'kid'))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      auditDown = false;
    }
    await expect(issueToWallet(deps, access_token, await credentialRequest(offer, await walletKey()))).rejects.toMatchObject({ error: 'invalid_token' });
    const delivered = (await issueToWallet(deps, access_token, await credentialRequest(offer, key, 'jwk'))) as { credentials: { credential: string }[] };
    // Bound to the same key (its did:jwk, written from the jwk the retry sent).
    const sub = String(decodeJwt(delivered.credentials[0]!.credential).sub);
    expect(JSON.parse(Buffer.from(sub.slice('did:jwk:'.length), 'base64url').toString())).toMatchObject({ x: key.publicJwk.x, y: key.publicJwk.y });
  });
});

describe('a wallet that comes back only with a new key after its credential was issued but not delivered', () => {
  it('is refused (the token is spent), and the credential made for its first key is in the audit all the same, once', async () => {
    const { offer, access_token } = await redeemedOffer();
    const issuedEvents = async () => (await readAudit(deps, { uai: school.uai, limit: 500 })).events.filter((e) => e.action === 'credential.issued' && e.actor === `wallet:offer:${offer.offerId}`);
    auditDown = true;
    try {
      await expect(issueToWallet(deps, access_token, await credentialRequest(offer, await walletKey()))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      auditDown = false;
    }
    expect(await issuedEvents()).toHaveLength(0);
    // The wallet made a key per attempt: the first one is gone. Refused, and the credential recorded.
    await expect(issueToWallet(deps, access_token, await credentialRequest(offer, await walletKey()))).rejects.toMatchObject({ error: 'invalid_token', description: expect.stringContaining('key of the first attempt') });
    const events = await issuedEvents();
    expect(events).toHaveLength(1);
    expect(events[0]!.credentialId).toMatch(new RegExp(`^urn:attesto:${school.uai}:`));
    await expect(issueToWallet(deps, access_token, await credentialRequest(offer, await walletKey()))).rejects.toMatchObject({ error: 'invalid_token' });
    expect(await issuedEvents()).toHaveLength(1);
  });
});

describe('an offer whose PIN attempts are spent', () => {
  const pinOffer = async () => {
    const offer = await createOffer(deps, { school, actor: 'school:test', credential: issueRequest('EnrollmentCredential').credential, txCode: true });
    const code = offer.credentialOffer.grants[PRE_AUTHORIZED_GRANT]['pre-authorized_code'];
    const wrong = offer.txCode === '000000' ? '111111' : '000000';
    const attempt = (pin: string, d = deps) => exchangePreAuthorizedCode(d, { grant_type: PRE_AUTHORIZED_GRANT, 'pre-authorized_code': code, tx_code: pin });
    const events = async (action: string) => (await readAudit(deps, { uai: school.uai, limit: 500 })).events.filter((e) => e.action === action && e.detail?.offer === offer.offerId);
    return { offer, code, wrong, attempt, events };
  };

  it('is recorded exhausted by a wrong PIN, once, even when the first write of that event failed (the retry the 503 asks for writes it)', async () => {
    const { offer, wrong, attempt, events } = await pinOffer();
    for (let i = 0; i < PIN_ATTEMPTS - 1; i++) await expect(attempt(wrong)).rejects.toMatchObject({ error: 'invalid_grant' });
    auditDown = true;
    try {
      await expect(attempt(wrong)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      auditDown = false;
    }
    expect(await events('offer.exhausted')).toHaveLength(0);
    await expect(attempt(wrong)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(attempt(offer.txCode!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await events('offer.exhausted')).toEqual([expect.objectContaining({ actor: `wallet:offer:${offer.offerId}` })]);
    expect(await withdrawOffer(deps, { school, actor: 'school:test', offerId: offer.offerId })).toEqual({ offerId: offer.offerId, state: 'withdrawn', was: 'exhausted' });
  });

  it('is not spent by our failures: the right PIN whose exchange then failed (store unavailable) gets its attempt back, however often, and the retry redeems', async () => {
    const { offer, code, wrong, attempt, events } = await pinOffer();
    for (let i = 0; i < PIN_ATTEMPTS - 1; i++) await expect(attempt(wrong)).rejects.toMatchObject({ error: 'invalid_grant' });
    const unavailable = async () => Promise.reject(new AttestoError('STORE_UNAVAILABLE', 'storage is unavailable; retry', { retryAfter: 1 }));
    const failingAt = (method: string) => ({ ...deps, wallet: new Proxy(deps.wallet, { get: (t, n, r) => (n === method ? unavailable : Reflect.get(t, n, r)) }) });
    // An outage of several retries, failing at either write: the last attempt is never lost.
    for (const method of ['putAccessToken', 'redeemOffer', 'putAccessToken', 'redeemOffer', 'putAccessToken', 'redeemOffer']) {
      await expect(attempt(offer.txCode!, failingAt(method)), method).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(await deps.wallet.getOffer(lookupHash(code)), method).toMatchObject({ state: 'offered', attemptsLeft: 1 });
    }
    expect(await events('offer.exhausted')).toHaveLength(0);
    expect((await attempt(offer.txCode!)).access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('gives an attempt back once however often it is asked, and only the latest attempt spent', async () => {
    const { code, wrong, attempt } = await pinOffer();
    const hash = lookupHash(code);
    await expect(attempt(wrong)).rejects.toMatchObject({ error: 'invalid_grant' });
    const earlier = (await deps.wallet.getOffer(hash))!.lastAttempt!;
    await expect(attempt(wrong)).rejects.toMatchObject({ error: 'invalid_grant' });
    // Another attempt was spent since: nothing is given back for this one.
    await deps.wallet.refundPinAttempt(hash, earlier);
    expect(await deps.wallet.getOffer(hash)).toMatchObject({ attemptsLeft: PIN_ATTEMPTS - 2 });
    const latest = (await deps.wallet.getOffer(hash))!.lastAttempt!;
    await deps.wallet.refundPinAttempt(hash, latest);
    await deps.wallet.refundPinAttempt(hash, latest);
    expect(await deps.wallet.getOffer(hash)).toMatchObject({ attemptsLeft: PIN_ATTEMPTS - 1 });
  });

  it('is withdrawn as expired once past its end too, not lost as an unknown offer', async () => {
    const { offer, wrong, attempt } = await pinOffer();
    for (let i = 0; i < PIN_ATTEMPTS; i++) await expect(attempt(wrong)).rejects.toMatchObject({ error: 'invalid_grant' });
    const t0 = deps.now.value;
    deps.now.value = new Date(Date.parse(offer.expiresAt) + 60_000);
    try {
      expect(await withdrawOffer(deps, { school, actor: 'school:test', offerId: offer.offerId })).toEqual({ offerId: offer.offerId, state: 'withdrawn', was: 'expired' });
    } finally {
      deps.now.value = t0;
    }
  });

  it('is spent by no guess once withdrawn: a wrong PIN racing the withdrawal exhausts nothing', async () => {
    const { offer, code } = await pinOffer();
    await withdrawOffer(deps, { school, actor: 'school:test', offerId: offer.offerId });
    expect(await deps.wallet.spendPinAttempt(lookupHash(code), { id: 'a-guess', wrong: true, at: NOW.toISOString() })).toBeUndefined();
    expect(await deps.wallet.getOffer(lookupHash(code))).toMatchObject({ state: 'withdrawn', attemptsLeft: PIN_ATTEMPTS });
  });
});

describe('withdrawing an offer when the audit write fails', () => {
  it('answers 503, and the resend the 503 asks for records the withdrawal as it was made, once', async () => {
    const offer = await createOffer(deps, { school, actor: 'school:test', credential: issueRequest('DiplomaCredential').credential, txCode: false });
    auditDown = true;
    try {
      await expect(withdrawOffer(deps, { school, actor: 'school:first', offerId: offer.offerId })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      auditDown = false;
    }
    // Withdrawn all the same: the code redeems nothing.
    await expect(exchangePreAuthorizedCode(deps, { grant_type: PRE_AUTHORIZED_GRANT, 'pre-authorized_code': offer.credentialOffer.grants[PRE_AUTHORIZED_GRANT]['pre-authorized_code'] })).rejects.toMatchObject({ error: 'invalid_grant' });
    deps.now.value = new Date(NOW.getTime() + 60_000);
    try {
      for (let i = 0; i < 2; i++) expect(await withdrawOffer(deps, { school, actor: 'school:retry', offerId: offer.offerId })).toEqual({ offerId: offer.offerId, state: 'withdrawn' });
    } finally {
      deps.now.value = NOW;
    }
    const { events } = await readAudit(deps, { uai: school.uai, limit: 500 });
    expect(events.filter((e) => e.detail?.offer === offer.offerId)).toEqual([
      expect.objectContaining({ action: 'offer.created' }),
      expect.objectContaining({ action: 'offer.withdrawn', actor: 'school:first', at: '2026-11-22T10:00:00Z' }),
    ]);
  });
});

describe('withdrawing an offer while a redemption is being undone', () => {
  it('withdraws it: the redemption it lost to was undone (its wallet got nothing), and the offer is open again', async () => {
    const offer = await createOffer(deps, { school, actor: 'school:test', credential: issueRequest('DiplomaCredential').credential, txCode: false });
    const hash = lookupHash(offer.credentialOffer.grants[PRE_AUTHORIZED_GRANT]['pre-authorized_code']);
    const { sealed } = (await deps.wallet.getOffer(hash))!;
    expect(await deps.wallet.redeemOffer(hash, 'token-undone')).toBe(true);
    // The withdrawal's first write finds the offer redeemed; the redemption is undone right after.
    let undone = false;
    const db = new Proxy(env.db, {
      get: (target, name, receiver) =>
        name === 'send'
          ? async (command: { input: { UpdateExpression?: string } }) => {
              try {
                return await target.send(command as never);
              } finally {
                if (!undone && command.input.UpdateExpression?.includes('withdrawnAt')) {
                  undone = true;
                  await deps.wallet.reopenOffer(hash, 'token-undone', sealed, false);
                }
              }
            }
          : Reflect.get(target, name, receiver),
    });
    const wallet = new DynamoWalletStore(db, 'attesto');
    expect(await withdrawOffer({ ...deps, wallet }, { school, actor: 'school:test', offerId: offer.offerId })).toEqual({ offerId: offer.offerId, state: 'withdrawn' });
    expect(undone).toBe(true);
    expect(await deps.wallet.getOffer(hash)).toMatchObject({ state: 'withdrawn' });
  });
});

describe('expiry of what the wallet is given', () => {
  const proofFor = async (key: Awaited<ReturnType<typeof walletKey>>, nonce: string) =>
    new SignJWT({ aud: `${PUBLIC_URL}/schools/${school.uai}`, iat: Math.floor(deps.now.value.getTime() / 1000), nonce })
      .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', kid: key.kid })
      .sign(key.privateKey);
  const at = (seconds: number) => (deps.now.value = new Date(NOW.getTime() + seconds * 1000));

  it(`refuses an access token ${ACCESS_TOKEN_SECONDS} s after it was given (invalid_token), and a c_nonce ${NONCE_SECONDS} s after (invalid_nonce)`, async () => {
    try {
      const key = await walletKey();
      const offer = await createOffer(deps, { school, actor: 'school:test', credential: issueRequest('DiplomaCredential').credential, txCode: false });
      // A nonce taken first, the token 100 s later: the nonce is spent by its expiry, however valid the token still is.
      const early = (await newNonce(deps)).c_nonce;
      const given = 100;
      at(given);
      const { access_token } = await exchangePreAuthorizedCode(deps, { grant_type: PRE_AUTHORIZED_GRANT, 'pre-authorized_code': offer.credentialOffer.grants[PRE_AUTHORIZED_GRANT]['pre-authorized_code'] });
      at(NONCE_SECONDS);
      await expect(issueToWallet(deps, access_token, { credential_configuration_id: offer.credentialConfigurationId, proofs: { jwt: [await proofFor(key, early)] } })).rejects.toMatchObject({ error: 'invalid_nonce' });
      // The token, at its last second, still works with a nonce at its own last second...
      at(given + ACCESS_TOKEN_SECONDS - NONCE_SECONDS);
      const fresh = (await newNonce(deps)).c_nonce;
      at(given + ACCESS_TOKEN_SECONDS - 1);
      const lastSecond = { credential_configuration_id: offer.credentialConfigurationId, proofs: { jwt: [await proofFor(key, fresh)] } };
      // ...and not a second later.
      at(given + ACCESS_TOKEN_SECONDS);
      await expect(issueToWallet(deps, access_token, lastSecond)).rejects.toMatchObject({ error: 'invalid_token' });
      at(given + ACCESS_TOKEN_SECONDS - 1);
      expect(await issueToWallet(deps, access_token, lastSecond)).toMatchObject({ credentials: [{ credential: expect.any(String) }] });
    } finally {
      deps.now.value = NOW;
    }
  });
});

describe('an offer whose credential has an end of validity', () => {
  it('ends with it, and a redemption after it is an OAuth error telling the student to ask for a new offer', async () => {
    const diploma = issueRequest('DiplomaCredential').credential;
    const offer = await createOffer(deps, { school, actor: 'school:test', credential: { ...diploma, validUntil: '2026-11-22T11:00:00Z' }, txCode: false, expiresInSeconds: 86_400 });
    expect(offer.expiresAt).toBe('2026-11-22T11:00:00Z');
    // One whose credential ends sooner than the shortest offer (5 minutes), or within the second, is refused.
    for (const validUntil of ['2026-11-22T10:00:03Z', '2026-11-22T10:04:59Z']) {
      await expect(createOffer(deps, { school, actor: 'school:test', credential: { ...diploma, validUntil }, txCode: false })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/credential/validUntil' }] });
    }
    const t0 = deps.now.value;
    try {
      deps.now.value = new Date('2026-11-22T10:59:00Z');
      const { access_token } = await exchangePreAuthorizedCode(deps, { grant_type: PRE_AUTHORIZED_GRANT, 'pre-authorized_code': offer.credentialOffer.grants[PRE_AUTHORIZED_GRANT]['pre-authorized_code'] });
      deps.now.value = new Date('2026-11-22T11:01:00Z');
      const key = await walletKey();
      const { c_nonce } = await newNonce(deps);
      const jwt = await new SignJWT({ aud: `${PUBLIC_URL}/schools/${school.uai}`, iat: Math.floor(deps.now.value.getTime() / 1000), nonce: c_nonce })
        .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', kid: key.kid })
        .sign(key.privateKey);
      await expect(issueToWallet(deps, access_token, { credential_configuration_id: offer.credentialConfigurationId, proofs: { jwt: [jwt] } })).rejects.toMatchObject({ error: 'credential_request_denied' });
    } finally {
      deps.now.value = t0;
    }
  });
});

