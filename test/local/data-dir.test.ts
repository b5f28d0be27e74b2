/** A data folder's address: the one its schools' DIDs name, kept in home.json from first use. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderPublicUrl } from '../../lambdas/local/data-dir';

const folder = (demoDid?: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'attesto-folder-'));
  if (demoDid) writeFileSync(join(dir, 'demo-school.json'), JSON.stringify({ did: demoDid }));
  return dir;
};

describe("a data folder's address", () => {
  it('is the first address proposed for a new folder, and stays so', () => {
    const dir = folder();
    expect(folderPublicUrl(dir, 'http://127.0.0.1:3917')).toBe('http://127.0.0.1:3917');
    expect(folderPublicUrl(dir, 'http://127.0.0.1:3000')).toBe('http://127.0.0.1:3917');
    expect(JSON.parse(readFileSync(join(dir, 'home.json'), 'utf8'))).toEqual({ publicUrl: 'http://127.0.0.1:3917' });
  });

  it.each([
    // A folder from before home.json: its demo school's DID says where its schools are.
    ['did:web:127.0.0.1%3A3917:schools:0750001U', 'http://127.0.0.1:3000', 'http://127.0.0.1:3917'],
    ['did:web:127.0.0.1%3A3917:schools:0750001U', 'http://127.0.0.1:3917', 'http://127.0.0.1:3917'],
    // A public address is HTTPS, path included; the one proposed is kept when it names the same DID.
    ['did:web:attesto.example.fr:schools:0750001U', 'http://127.0.0.1:3000', 'https://attesto.example.fr'],
    ['did:web:tunnel.example.org:attesto:schools:0750001U', 'http://127.0.0.1:3000', 'https://tunnel.example.org/attesto'],
    ['did:web:tunnel.example.org:attesto:schools:0750001U', 'https://tunnel.example.org/attesto', 'https://tunnel.example.org/attesto'],
  ])('of a folder whose demo DID is %s, proposed %s, is %s', (did, proposed, expected) => {
    expect(folderPublicUrl(folder(did), proposed)).toBe(expected);
  });
});
