import type { Migration } from 'kysely';
import * as foundation from './0001_foundation.ts';
import * as statutoryException from './0002_statutory_exception.ts';
import * as closureDay from './0003_closure_day.ts';
import * as notifications from './0004_notifications.ts';
import * as auditCaseLists from './0005_audit_case_lists.ts';
import * as assessmentRequests from './0006_assessment_requests.ts';
import * as assessment from './0007_assessment.ts';
import * as documentSharing from './0008_document_sharing.ts';
import * as auditByValue from './0009_audit_by_value.ts';
import * as rateLimits from './0010_rate_limits.ts';
import * as draftAddress from './0011_draft_address.ts';
import * as auditRefusals from './0012_audit_refusals.ts';

/** Every migration, in order. A static map, so bundling and type-stripping both see them. */
export const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
  '0002_statutory_exception': statutoryException,
  '0003_closure_day': closureDay,
  '0004_notifications': notifications,
  '0005_audit_case_lists': auditCaseLists,
  '0006_assessment_requests': assessmentRequests,
  '0007_assessment': assessment,
  '0008_document_sharing': documentSharing,
  '0009_audit_by_value': auditByValue,
  '0010_rate_limits': rateLimits,
  '0011_draft_address': draftAddress,
  '0012_audit_refusals': auditRefusals,
};
