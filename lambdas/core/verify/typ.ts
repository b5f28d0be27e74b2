/**
 * The JOSE `typ` header is a media type, and may be written in full: RFC 7515 §4.1.9 has the
 * recipient read a value without "/" as if "application/" were prepended, and media types compare
 * without regard to case (RFC 9110 §8.3.1). So `application/openid4vci-proof+jwt` and
 * `openid4vci-proof+jwt` are the same type.
 * https://www.rfc-editor.org/rfc/rfc7515#section-4.1.9
 */
export function typIs(typ: unknown, ...expected: string[]): boolean {
  if (typeof typ !== 'string') return false;
  const full = (t: string) => (t.includes('/') ? t : `application/${t}`).toLowerCase();
  return expected.some((e) => full(e) === full(typ));
}
