import { describe, expect, it } from 'vitest';
import { didDocument, didWebDocumentUrl, didWebPrefix, ownDidReader, schoolDid } from '../../lambdas/core/did-web';
import { credentialIdFor, parseCredentialId, statusListUrl } from '../../lambdas/core/status/slot';

describe('did:web for schools', () => {
  it('puts the port of the public URL in the DID as %3A (did:web §3.2.1)', () => {
    expect(schoolDid('http://127.0.0.1:3000', '0751234J')).toBe('did:web:127.0.0.1%3A3000:schools:0751234J');
    expect(schoolDid('https://attesto.ac-paris.fr', '0751234J')).toBe('did:web:attesto.ac-paris.fr:schools:0751234J');
    expect(didWebPrefix('https://example.fr/vc/')).toBe('did:web:example.fr:vc');
  });

  it('maps a DID to its document URL (did:web §3.2.2)', () => {
    expect(didWebDocumentUrl('did:web:attesto.ac-paris.fr:schools:0751234J').toString()).toBe('https://attesto.ac-paris.fr/schools/0751234J/did.json');
    expect(didWebDocumentUrl('did:web:example.com').toString()).toBe('https://example.com/.well-known/did.json');
    expect(didWebDocumentUrl('did:web:localhost%3A8443').toString()).toBe('https://localhost:8443/.well-known/did.json');
  });

  it('refuses DIDs that would escape the host or path', () => {
    for (const did of ['did:web:evil.com%2F..', 'did:web:a.com:..:x', 'did:web:user%40evil.com', 'did:web:a.com::x', 'did:key:z6Mk']) {
      expect(() => didWebDocumentUrl(did), did).toThrow();
    }
  });

  it('recognises only its own schools', () => {
    const uaiOfOwnDid = ownDidReader('https://a.fr');
    expect(uaiOfOwnDid('did:web:a.fr:schools:0751234J')).toBe('0751234J');
    expect(uaiOfOwnDid('did:web:b.fr:schools:0751234J')).toBeUndefined();
    expect(uaiOfOwnDid('did:web:a.fr:schools:0751234J:x')).toBeUndefined();
  });

  it('publishes only the public key, as an assertionMethod only', () => {
    const doc = didDocument({ did: 'did:web:a.fr:schools:0751234J', kid: 'did:web:a.fr:schools:0751234J#key-1', publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'SECRET' } });
    expect(JSON.stringify(doc)).not.toContain('SECRET');
    expect(doc.assertionMethod).toEqual(['did:web:a.fr:schools:0751234J#key-1']);
    expect(doc).not.toHaveProperty('authentication');
  });
});

describe('credential ids name their school and status slot', () => {
  it('round-trips', () => {
    const id = credentialIdFor('0751234J', { list: 3, index: 131_071 });
    expect(id).toBe('urn:attesto:0751234J:3:131071');
    expect(parseCredentialId(id)).toEqual({ uai: '0751234J', slot: { list: 3, index: 131_071 } });
  });

  it.each(['urn:attesto:0751234J:0:5', 'urn:attesto:0751234J:1:05', 'urn:attesto:0751234j:1:5', 'urn:attesto:0751234J:1:5:x', 'urn:uuid:1', ''])('refuses %s', (id) => {
    expect(parseCredentialId(id)).toBeUndefined();
  });

  it('names status lists under the school', () => {
    expect(statusListUrl('https://a.fr/', '0751234J', 'suspension', 2)).toBe('https://a.fr/schools/0751234J/status-lists/suspension/2');
  });
});
