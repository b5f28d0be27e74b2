export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
/** Bitstring Status List terms for VC 1.1 (VC 2.0 includes them in its base context). */
export const STATUS_V1_CONTEXT = 'https://www.w3.org/ns/credentials/status/v1';
