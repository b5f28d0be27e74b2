export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
/** Bitstring Status List terms for VC 1.1 (VC 2.0 includes them in its base context). */
export const STATUS_V1_CONTEXT = 'https://www.w3.org/ns/credentials/status/v1';
/**
 * The last context of a VC 2.0 credential that uses terms no context it names defines (attesto's
 * own: `student`, `academicYear`, `EnrollmentCredential`…): VC Data Model 2.0 §5.2 (Extensibility)
 * asks for it, so that a JSON-LD processor maps them to IRIs of their own instead of dropping them.
 */
export const UNDEFINED_TERMS_V2_CONTEXT = 'https://www.w3.org/ns/credentials/undefined-terms/v2';
