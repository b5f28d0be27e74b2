/**
 * A school's name is public: its DID document, its issuer metadata and every credential show it.
 * The same characters are refused as in any signed text (../text.ts): no control characters,
 * line breaks, bidirectional formatting or invisible characters.
 */
import { UNPRINTABLE_CLASS } from './text';

export const SCHOOL_NAME_PATTERN = `^[^${UNPRINTABLE_CLASS}]+$`;
const PRINTABLE_NAME = new RegExp(SCHOOL_NAME_PATTERN, 'u');
export const isPrintableName = (name: string) => PRINTABLE_NAME.test(name);
