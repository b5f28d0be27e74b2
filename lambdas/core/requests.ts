/**
 * The bodies of the VC-API routes (https://w3c-ccg.github.io/vc-api/), as JSON Schema.
 * The same schemas validate requests and generate /openapi.json.
 */
import { Type, type Static } from '@sinclair/typebox';
import { SCHOOL_NAME_PATTERN } from './school-name';

export const CredentialFormat = Type.Union([Type.Literal('jwt_vc'), Type.Literal('vc+jwt'), Type.Literal('dc+sd-jwt')], {
  description:
    '"jwt_vc": VC Data Model 1.1 as a JWT (default). "vc+jwt": VC Data Model 2.0 secured with JOSE (VC-JOSE-COSE). "dc+sd-jwt": IETF SD-JWT VC, selectively disclosable; credentialSubject.id, if given, must be the did:jwk or did:key of a P-256 public key (else 400 VALIDATION_FAILED), to which it is bound (cnf).',
});

export const IssueRequest = Type.Object(
  {
    credential: Type.Object(
      {
        '@context': Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 10 })),
        issuer: Type.Optional(
          Type.Union(
            [
              Type.String({ maxLength: 300 }),
              // Its other properties shallow (a name, an image as {id, type}): read by nothing, and kept from nesting
              // deep, as every other part of a request is.
              Type.Object(
                { id: Type.String({ maxLength: 300 }) },
                { additionalProperties: Type.Union([Type.String({ maxLength: 2000 }), Type.Object({}, { additionalProperties: Type.String({ maxLength: 2000 }), maxProperties: 10 })]), maxProperties: 20 },
              ),
            ],
            {
              description: "The VC-API's issuer: the school's own DID (or an object with it as its id), or left out. Another is refused.",
            },
          ),
        ),
        type: Type.Array(Type.String({ maxLength: 100 }), {
          minItems: 1,
          maxItems: 6,
          description: 'Must name exactly one kind: EnrollmentCredential, TranscriptCredential or DiplomaCredential.',
        }),
        credentialSubject: Type.Object({}, { additionalProperties: true, description: 'The kind\'s input schema, /schemas/{kind}.json.' }),
        validFrom: Type.Optional(Type.String({ format: 'date-time' })),
        validUntil: Type.Optional(Type.String({ format: 'date-time' })),
      },
      { additionalProperties: false },
    ),
    options: Type.Optional(Type.Object({ format: Type.Optional(CredentialFormat) }, { additionalProperties: false })),
  },
  { additionalProperties: false, $id: 'IssueRequest' },
);
export type IssueRequest = Static<typeof IssueRequest>;

export const StatusPurposeSchema = Type.Union([Type.Literal('revocation'), Type.Literal('suspension')]);

/** attesto's form: every change at once (a revocation and a suspension may come together). */
const StatusChanges = Type.Object(
  {
    credentialId: Type.String({ minLength: 1, maxLength: 200 }),
    credentialStatus: Type.Array(
      Type.Object(
        {
          type: Type.Literal('BitstringStatusListEntry'),
          statusPurpose: StatusPurposeSchema,
          status: Type.Boolean({ description: 'true sets the bit (revoked / suspended), false clears it. Revocation cannot be cleared.' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 2 },
    ),
  },
  { additionalProperties: false },
);
export type StatusChanges = Static<typeof StatusChanges>;

/**
 * The VC-API's form (w3c-ccg/vc-api, UpdateCredentialStatusRequest): one status entry and the
 * value to give it. Its example names the entry's type `BitstringStatusList`; either is taken.
 */
const VcApiStatusChange = Type.Object(
  {
    credentialId: Type.String({ minLength: 1, maxLength: 200 }),
    credentialStatus: Type.Object(
      {
        type: Type.Union([Type.Literal('BitstringStatusListEntry'), Type.Literal('BitstringStatusList')]),
        statusPurpose: StatusPurposeSchema,
        id: Type.Optional(Type.String({ maxLength: 300 })),
        statusListIndex: Type.Optional(Type.String({ maxLength: 20 })),
        statusListCredential: Type.Optional(Type.String({ maxLength: 300 })),
      },
      { additionalProperties: false },
    ),
    status: Type.Boolean({ description: 'true sets the bit (revoked / suspended), false clears it. Revocation cannot be cleared.' }),
  },
  { additionalProperties: false },
);

export const UpdateStatusRequest = Type.Union([StatusChanges, VcApiStatusChange], { $id: 'UpdateStatusRequest' });
export type UpdateStatusRequest = Static<typeof UpdateStatusRequest>;

export type VcApiStatusChange = Static<typeof VcApiStatusChange>;

/**
 * The enveloped form of a JOSE-secured credential or presentation (VC-JOSE-COSE §3.1.1, §3.2.1):
 * the JWS in a data: URL. Its length is bounded where the JWS is read (verify/parse.ts).
 */
const enveloped = (type: string, mediaType: 'vc+jwt' | 'vp+jwt') =>
  Type.Object(
    {
      '@context': Type.Optional(Type.Unknown()),
      type: Type.Union([Type.Literal(type), Type.Array(Type.String(), { minItems: 1, contains: Type.Literal(type), maxItems: 5 })]),
      id: Type.String({ pattern: `^data:application/${mediaType.replace('+', '\\+')},` }),
    },
    { additionalProperties: true },
  );

export const EnvelopedCredential = enveloped('EnvelopedVerifiableCredential', 'vc+jwt');

export const VerifyRequest = Type.Object(
  {
    // No minLength/maxLength here: JSON Schema counts code points, which costs a pass over the
    // whole token on every verification; verify/parse.ts bounds the (ASCII) JWS by its length.
    verifiableCredential: Type.Union([Type.String({ description: 'A compact JWS (VC 1.1 JWT or VC 2.0 vc+jwt), or an SD-JWT VC with the disclosures the holder chose (and optionally a key binding JWT); at most 262,144 characters.' }), EnvelopedCredential]),
    options: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false, $id: 'VerifyRequest' },
);
export type VerifyRequest = Static<typeof VerifyRequest>;

export const EnvelopedPresentation = enveloped('EnvelopedVerifiablePresentation', 'vp+jwt');

export const VerifyPresentationRequest = Type.Object(
  {
    verifiablePresentation: Type.Union([Type.String({ description: 'A compact JWS: VC 1.1 JWT presentation (vp claim) or VC 2.0 vp+jwt, signed by the holder (did:jwk or did:key); or an SD-JWT VC ending with the key binding JWT of its holder (nonce = challenge, aud = domain).' }), EnvelopedPresentation]),
    options: Type.Optional(
      Type.Object(
        {
          challenge: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'The nonce this verifier gave the holder; the presentation must carry it.' })),
          domain: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: "This verifier's identifier; the presentation must be addressed (aud) to it." })),
          // The other options of the VC-API (and of its earlier drafts), taken and not needed: every check runs, and a
          // JWT proof has no proof purpose. returnPresentation: false only (the caller has the presentation it sent).
          returnPresentation: Type.Optional(Type.Literal(false, { description: 'VC-API: only false; the presentation is not returned.' })),
          checks: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20, description: 'VC-API drafts: every check runs whatever is asked.' })),
          expectedProofPurpose: Type.Optional(Type.String({ maxLength: 100 })),
          proofPurpose: Type.Optional(Type.String({ maxLength: 100 })),
        },
        // Nothing else: a misspelt challenge ("chalenge") would otherwise leave the challenge unchecked.
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, $id: 'VerifyPresentationRequest' },
);
export type VerifyPresentationRequest = Static<typeof VerifyPresentationRequest>;

export const RegisterSchoolRequest = Type.Object(
  {
    uai: Type.String({ maxLength: 8 }),
    name: Type.String({ minLength: 1, maxLength: 200, pattern: SCHOOL_NAME_PATTERN }),
    timeZone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone the school\'s dates are days of (default Europe/Paris): America/Guadeloupe, Indian/Reunion, Pacific/Noumea, …' }),
    ),
  },
  { additionalProperties: false, $id: 'RegisterSchoolRequest' },
);
export type RegisterSchoolRequest = Static<typeof RegisterSchoolRequest>;

export const RotateKeyRequest = Type.Object(
  {
    mode: Type.Union([Type.Literal('scheduled'), Type.Literal('immediate'), Type.Literal('compromised')], {
      description:
        '"scheduled": the new key is published now and signs in 5 minutes, when every cached DID document lists it; "immediate": it signs at once; "compromised": it signs at once, every previous key is dropped from the DID document (nothing they signed verifies any more) and the status lists are signed again.',
    }),
    replaces: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description:
          'The id of the key the school signs with now, as its DID document names it (did:web:…#key-1). Makes the request safe to send again: once that key is replaced, the same request answers that rotation again ("replayed": true) instead of making another key; a request naming a key the school no longer signs with is ROTATION_CONFLICT.',
      }),
    ),
  },
  { additionalProperties: false, $id: 'RotateKeyRequest' },
);
export type RotateKeyRequest = Static<typeof RotateKeyRequest>;

export const CreateOfferRequest = Type.Object(
  {
    credential: IssueRequest.properties.credential,
    txCode: Type.Optional(Type.Boolean({ description: 'Require a 6-digit PIN, returned to the school to hand over out of band.' })),
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 300, maximum: 30 * 86_400, description: 'Offer lifetime; default one day.' })),
    format: Type.Optional(
      Type.Union([Type.Literal('jwt_vc_json'), Type.Literal('dc+sd-jwt')], {
        description: 'What the wallet receives: "jwt_vc_json", a W3C VC 1.1 JWT (default), or "dc+sd-jwt", an IETF SD-JWT VC the student can disclose selectively.',
      }),
    ),
  },
  { additionalProperties: false, $id: 'CreateOfferRequest' },
);
export type CreateOfferRequest = Static<typeof CreateOfferRequest>;

export const WithdrawOfferRequest = Type.Object(
  {
    offerId: Type.String({ pattern: '^[A-Za-z0-9_-]{16}$', description: 'The offerId the offer was created with (not its link: that one is the student\'s).' }),
  },
  { additionalProperties: false, $id: 'WithdrawOfferRequest' },
);
export type WithdrawOfferRequest = Static<typeof WithdrawOfferRequest>;
