/**
 * Every JSON Schema attesto validates against, by name. Validators are compiled from this list
 * ahead of time (scripts/generate-validators.ts → core/generated/validators.ts), so no bundle
 * carries a schema compiler, and what runs is exactly what Ajv generates for these schemas.
 */
import type { TSchema } from '@sinclair/typebox';
import { IssueBatchRequest } from './batch-request';
import { DiplomaInput, DiplomaSubject } from './kinds/diploma.schema';
import { EnrollmentInput, EnrollmentSubject } from './kinds/enrollment.schema';
import { TranscriptInput, TranscriptSubject } from './kinds/transcript.schema';
import { CreateOfferRequest, IssueRequest, RegisterSchoolRequest, RotateKeyRequest, UpdateStatusRequest, VerifyPresentationRequest, VerifyRequest, WithdrawOfferRequest } from './requests';

export const SCHEMAS = {
  EnrollmentInput,
  EnrollmentSubject,
  TranscriptInput,
  TranscriptSubject,
  DiplomaInput,
  DiplomaSubject,
  IssueRequest,
  IssueBatchRequest,
  UpdateStatusRequest,
  VerifyRequest,
  VerifyPresentationRequest,
  RegisterSchoolRequest,
  RotateKeyRequest,
  CreateOfferRequest,
  WithdrawOfferRequest,
} satisfies Record<string, TSchema>;

export type SchemaName = keyof typeof SCHEMAS;
