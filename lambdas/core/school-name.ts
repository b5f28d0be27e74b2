/**
 * A school's name is public: its DID document, its issuer metadata and every credential show it.
 * No control characters or line breaks (C0, DEL, C1, U+2028, U+2029).
 */
export const SCHOOL_NAME_PATTERN = '^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]+$';
export const isPrintableName = (name: string) => new RegExp(SCHOOL_NAME_PATTERN, 'u').test(name);
