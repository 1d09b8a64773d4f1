/**
 * One reference format for every case, real, demo or synthetic: the LA's 3-digit code, the
 * year the request was received and a 5-digit number counted per LA and year, as
 * `202-2026-00042`. A request's reference is the same with an `R` in front; the case opened from
 * it keeps the number.
 */
export function caseReference(laCode: string, year: number, number: number): string {
  return `${laCode}-${year}-${String(number).padStart(5, '0')}`;
}

export function requestReference(laCode: string, year: number, number: number): string {
  return `R${caseReference(laCode, year, number)}`;
}

/** The case reference for a request's: the same number without the `R`. */
export function caseReferenceOfRequest(requestReference: string): string {
  return requestReference.replace(/^R/, '');
}

export const CASE_REFERENCE_PATTERN = /^\d{3}-\d{4}-\d{5}$/;
