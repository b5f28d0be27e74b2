/**
 * SD-JWT VC Type Metadata (draft-ietf-oauth-sd-jwt-vc §5): what a wallet shows for each kind,
 * served at the kind's `vct` URL. Labels in French and English; every student claim may be
 * disclosed or withheld (`sd: allowed`), which is what lets a holder minimise what they show.
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
    [['name'], ['Relevé', 'Transcript']],
    [['term'], ['Période', 'Term']],
    [['achievement', 'name'], ['Intitulé', 'Title']],
    [['achievement', 'resultDescription', null, 'name'], ['Matière', 'Subject']],
    [['result', null, 'value'], ['Note', 'Grade']],
    [['creditsEarned'], ['Crédits ECTS obtenus', 'ECTS credits earned']],
  ],
  DiplomaCredential: [
    ...STUDENT,
    [['name'], ['Diplôme', 'Diploma']],
    [['achievement', 'name'], ['Intitulé', 'Title']],
    [['achievement', 'fieldOfStudy'], ['Spécialité', 'Field of study']],
    [['activityEndDate'], ['Date d’obtention', 'Date awarded']],
    [['result', null, 'value'], ['Mention', 'Honours']],
  ],
};

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
      sd: 'allowed',
    })),
  };
}
