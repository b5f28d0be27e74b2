/**
 * The single DynamoDB table's layout, shared by the runtime adapter, the local home (which
 * creates it in dynalite) and the CDK stack (which creates it on AWS).
 *
 *   pk                              sk                 item
 *   SCHOOL#<uai>                    SCHOOL             school: name, DID, key ref, token hash, current list
 *   CLIENT#<clientId>               CLIENT             the school an OAuth2 client id belongs to
 *   CRED#<uai>#<list>#<index>       CRED               credential: id, kind, dates, digest (no personal data)
 *   STATUS#<uai>#<list>             I#<index>          status flags of one slot (only once changed)
 *   STATUS#<uai>#<list>             SEQ                status change sequence number
 *   STATUS#<uai>#<list>             VC#<purpose>       published, signed status list credential
 *   IDEM#<uai>#~<sha256(key)>       IDEM               idempotency reservation (expires; the key itself on older ones)
 *   AUDIT#<uai>#<yyyy-mm-dd>        <time>#<action>#…  audit event
 *   OFFER#<sha256 of the secret>    OFFER              wallet offer: sealed request, PIN MAC, state (expires)
 *   OFFER#<uai>#<offerId>           REF                which offer a school's offerId names, to withdraw it (expires)
 *   ATOKEN#<sha256 of the token>    ATOKEN             wallet access token (expires)
 *   NONCE#<sha256 of the nonce>     NONCE              wallet proof nonce (expires)
 *   DPOP#<sha256 of jkt.jti>         DPOP               a DPoP proof seen, against its replay (expires)
 *
 * Each credential is its own partition: a school issuing a year group spreads over many items,
 * never through one hot item.
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;
/** Items with this attribute (epoch seconds) are deleted by DynamoDB TTL. */
export const TTL_ATTRIBUTE = 'expiresAt';

export const keys = {
  school: (uai: string) => ({ pk: `SCHOOL#${uai}`, sk: 'SCHOOL' }),
  client: (clientId: string) => ({ pk: `CLIENT#${clientId}`, sk: 'CLIENT' }),
  credential: (uai: string, list: number, index: number) => ({ pk: `CRED#${uai}#${list}#${index}`, sk: 'CRED' }),
  statusPartition: (uai: string, list: number) => `STATUS#${uai}#${list}`,
  flags: (uai: string, list: number, index: number) => ({ pk: `STATUS#${uai}#${list}`, sk: `I#${String(index).padStart(8, '0')}` }),
  seq: (uai: string, list: number) => ({ pk: `STATUS#${uai}#${list}`, sk: 'SEQ' }),
  published: (uai: string, list: number, purpose: string) => ({ pk: `STATUS#${uai}#${list}`, sk: `VC#${purpose}` }),
  idempotency: (uai: string, key: string) => ({ pk: `IDEM#${uai}#${key}`, sk: 'IDEM' }),
  auditPartition: (uai: string, day: string) => `AUDIT#${uai}#${day}`,
  offer: (hash: string) => ({ pk: `OFFER#${hash}`, sk: 'OFFER' }),
  offerRef: (uai: string, offerId: string) => ({ pk: `OFFER#${uai}#${offerId}`, sk: 'REF' }),
  accessToken: (hash: string) => ({ pk: `ATOKEN#${hash}`, sk: 'ATOKEN' }),
  nonce: (hash: string) => ({ pk: `NONCE#${hash}`, sk: 'NONCE' }),
  dpopProof: (hash: string) => ({ pk: `DPOP#${hash}`, sk: 'DPOP' }),
};

/** An item without its table keys and TTL attribute: the record the core sees. */
export function withoutKeys(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, sk: _sk, [TTL_ATTRIBUTE]: _ttl, ...rest } = item;
  return rest;
}
