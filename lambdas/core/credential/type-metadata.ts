/**
 * SD-JWT VC Type Metadata (draft-ietf-oauth-sd-jwt-vc §5): what a wallet shows for each kind,
 * served at the kind's `vct` URL, with labels in French and English. `sd` says what the issuer
 * does (§5.5.2): `always` for each top-level claim and each field of `student` (a disclosure of
 * its own), `never` for what travels inside one of them (an achievement's name, a grade).
 * The same labels describe the claims in the OpenID4VCI issuer metadata (`credentialClaims`).
 */
import type { KindDefinition } from '../kinds';
import type { CredentialKind } from '../records';
import { vctOf } from './vct';

type Label = [fr: string, en: string];
type ClaimPath = (string | number | null)[];

const STUDENT: [ClaimPath, Label][] = [
  [['student'], ['Élève ou étudiant', 'Student']],
  [['student', 'givenName'], ['Prénom', 'Given name']],
  [['student', 'familyName'], ['Nom', 'Family name']],
  [['student', 'birthDate'], ['Date de naissance', 'Date of birth']],
  [['student', 'studentId'], ['INE', 'National student number (INE)']],
];

const CLAIMS: Record<CredentialKind, [ClaimPath, Label][]> = {
  EnrollmentCredential: [
    ...STUDENT,
    [['school', 'name'], ['Établissement', 'School']],
    [['academicYear'], ['Année scolaire', 'Academic year']],
    [['level'], ['Niveau', 'Level']],
    [['programme'], ['Formation', 'Programme']],
    [['startDate'], ['Début', 'Start date']],
    [['endDate'], ['Fin', 'End date']],
  ],
  TranscriptCredential: [
    ...STUDENT,
    [['title'], ['Relevé', 'Transcript']],
    [['term'], ['Période', 'Term']],
    [['achievement', 'name'], ['Intitulé', 'Title']],
    [['achievement', 'resultDescription', null, 'name'], ['Matière', 'Subject']],
    [['result', null, 'value'], ['Note', 'Grade']],
    [['creditsEarned'], ['Crédits ECTS obtenus', 'ECTS credits earned']],
  ],
  DiplomaCredential: [
    ...STUDENT,
    [['title'], ['Diplôme', 'Diploma']],
    [['achievement', 'name'], ['Intitulé', 'Title']],
    [['achievement', 'fieldOfStudy'], ['Spécialité', 'Field of study']],
    [['activityEndDate'], ['Date d’obtention', 'Date awarded']],
    [['result', null, 'value'], ['Mention', 'Honours']],
  ],
};

/** Whether a claim is a disclosure of its own (the frame `buildSdJwtVc` makes, ./sd-jwt-vc.ts). */
const ownDisclosure = (path: ClaimPath) => path.length === 1 || (path.length === 2 && path[0] === 'student');

/** OpenID4VCI 1.0 `credential_metadata.claims` (Appendix B.2): the same claims, labelled with `name`. */
export function credentialClaims(kind: CredentialKind) {
  return CLAIMS[kind].map(([path, [fr, en]]) => ({
    path,
    display: [
      { name: fr, locale: 'fr-FR' },
      { name: en, locale: 'en-US' },
    ],
  }));
}

export function typeMetadata(publicUrl: string, kind: KindDefinition) {
  return {
    vct: vctOf(publicUrl, kind),
    name: kind.title.en,
    description: `${kind.title.fr} / ${kind.title.en}, issued by a school through attesto.`,
    display: [
      { locale: 'fr-FR', name: kind.title.fr },
      { locale: 'en-US', name: kind.title.en },
    ],
    claims: CLAIMS[kind.kind].map(([path, [fr, en]]) => ({
      path,
      display: [
        { locale: 'fr-FR', label: fr },
        { locale: 'en-US', label: en },
      ],
      sd: ownDisclosure(path) ? 'always' : 'never',
    })),
  };
}
