/** Building the issued subject of an EnrollmentCredential (schemas in enrollment.schema.ts). */
import type { EnrollmentInput } from './enrollment.schema';
import type { SubjectContext } from './common';

export function buildEnrollmentSubject(input: EnrollmentInput, ctx: SubjectContext) {
  const { id, ...rest } = input;
  return {
    ...(id ? { id } : {}),
    type: 'EnrolledStudent',
    ...rest,
    school: { id: ctx.school.did, uai: ctx.school.uai, name: ctx.school.name },
  };
}
