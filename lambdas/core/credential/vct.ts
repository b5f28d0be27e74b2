/**
 * The SD-JWT VC credential type (`vct`, draft-ietf-oauth-sd-jwt-vc §2.2.2.1) of each kind: an
 * HTTPS URL of the deployment that serves the kind's Type Metadata (§5, ./type-metadata.ts).
 * Apart from the SD-JWT library, so that the verifier can name kinds without bundling it.
 */
import type { KindDefinition } from '../kinds/index';

export const vctOf = (publicUrl: string, kind: Pick<KindDefinition, 'slug'>) => `${publicUrl.replace(/\/$/, '')}/vct/${kind.slug}`;
