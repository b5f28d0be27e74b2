/**
 * Verification in process, on one core: attesto's whole verification (format, signature, validity,
 * status, issuer, schema) with the DID document and status lists already at hand, next to the raw
 * node:crypto ES256 check of the same token (the ceiling), next to did-jwt-vc's verifyCredential
 * (its default path, pure-JavaScript curve code), and next to jose's compactVerify (WebCrypto),
 * which attesto used before. Also: the same diploma as an SD-JWT VC with every disclosure (the
 * disclosures' digests and the Token Status List on top of the signature).
 */
import { createPublicKey, verify } from 'node:crypto';
import { Resolver } from 'did-resolver';
import { verifyCredential as didJwtVcVerify } from 'did-jwt-vc';
import { compactVerify, importJWK } from 'jose';
import { didDocument } from '../../lambdas/core/did-web';
import { verifyCredential } from '../../lambdas/core/verify/verify-credential';
import { sideBySide } from '../lib/measure';
import { round, type Row } from '../lib/report';
import { diplomaRequest, inProcessWorld } from '../lib/world';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';

export async function run(): Promise<Row[]> {
  const w = await inProcessWorld();
  const first = await verifyCredential(w.verify, w.jws);
  if (!first.verified) throw new Error(`the benchmark credential does not verify: ${JSON.stringify(first.errors)}`);

  const sdJwt = (await issueCredential(w.deps, { school: w.school, actor: 'bench', request: { ...diplomaRequest(), options: { format: 'dc+sd-jwt' } } })).verifiableCredential as string;
  const sdFirst = await verifyCredential(w.verify, sdJwt);
  if (!sdFirst.verified) throw new Error(`the benchmark SD-JWT VC does not verify: ${JSON.stringify(sdFirst.errors)}`);

  const key = createPublicKey({ key: w.school.publicJwk as never, format: 'jwk' });
  const dot = w.jws.lastIndexOf('.');
  const input = Buffer.from(w.jws.slice(0, dot));
  const signature = Buffer.from(w.jws.slice(dot + 1), 'base64url');
  if (!verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)) throw new Error('raw verify failed');

  const doc = didDocument(w.school);
  const resolver = new Resolver({ web: async () => ({ didDocument: doc as never, didDocumentMetadata: {}, didResolutionMetadata: { contentType: 'application/did+json' } }) });
  await didJwtVcVerify(w.jws, resolver);
  const joseKey = await importJWK(w.school.publicJwk, 'ES256');

  const rates = await sideBySide(
    {
      attesto: () => verifyCredential(w.verify, w.jws),
      sdJwt: () => verifyCredential(w.verify, sdJwt),
      raw: () => verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature),
      didJwtVc: () => didJwtVcVerify(w.jws, resolver),
      jose: () => compactVerify(w.jws, joseKey, { algorithms: ['ES256'] }),
    },
    { rounds: 5, roundMs: 1500, warmupMs: 1000 },
  );
  const raw = rates.raw!.opsPerSec;
  const ratio = rates.attesto!.opsPerSec / raw;
  const section = 'verify (in process, 1 core)';
  return [
    {
      section,
      measure: 'Verify, in process: full verification (DID doc + status lists cached)',
      value: round(rates.attesto!.opsPerSec),
      unit: 'VC/s',
      baseline: { name: 'raw node:crypto ES256 verify', value: round(raw) },
      ratio,
      target: { text: '≥ 45 % of raw', met: ratio >= 0.45 },
      extra: { rounds: rates.attesto!.rounds.map((x) => round(x)), rawRounds: rates.raw!.rounds.map((x) => round(x)) },
    },
    {
      section,
      measure: 'Verify, in process: the same diploma as an SD-JWT VC, every disclosure presented',
      value: round(rates.sdJwt!.opsPerSec),
      unit: 'VC/s',
      baseline: { name: 'raw node:crypto ES256 verify', value: round(raw) },
      ratio: rates.sdJwt!.opsPerSec / raw,
      note: `${sdJwt.split('~').length - 2} disclosures hashed and placed, Token Status List read`,
    },
    {
      section,
      measure: "did-jwt-vc verifyCredential (its default verification path)",
      value: round(rates.didJwtVc!.opsPerSec),
      unit: 'VC/s',
      baseline: { name: 'raw node:crypto ES256 verify', value: round(raw) },
      ratio: rates.didJwtVc!.opsPerSec / raw,
      note: 'signature only (no status, no schema); curve code in JavaScript',
    },
    {
      section,
      measure: 'jose compactVerify (WebCrypto), signature only',
      value: round(rates.jose!.opsPerSec),
      unit: 'VC/s',
      baseline: { name: 'raw node:crypto ES256 verify', value: round(raw) },
      ratio: rates.jose!.opsPerSec / raw,
      note: "what attesto checked signatures with before it used node:crypto directly",
    },
  ];
}
