/**
 * Consents (ARCHITECTURE.md D3): a patient lets one practitioner read some of their records, until
 * an optional expiry or a revocation. Granted and revoked through the journal (`consent.granted`,
 * `consent.revoked`); the active-consents projection mirrors those entries.
 */

/** What a consent covers: every record, the records of some categories, or listed records. */
export type ConsentScope =
  | { readonly all: true }
  | { readonly categories: string[] }
  | { readonly recordIds: string[] };

/** The terms the access policy needs. Times are RFC 3339. */
export type ConsentTerms = {
  readonly consentId: string;
  /** The practitioner's actor id. */
  readonly grantee: string;
  readonly scope: ConsentScope;
  readonly expiresAt?: string | undefined;
  readonly revokedAt?: string | undefined;
};

/**
 * Whether `consent` is in force at `at`: not revoked at or before it, and not expired. A consent
 * that expires at T covers reads strictly before T, to the millisecond.
 */
export function consentInForce(consent: ConsentTerms, at: Date): boolean {
  const now = at.getTime();
  if (consent.revokedAt !== undefined && Date.parse(consent.revokedAt) <= now) return false;
  return consent.expiresAt === undefined || now < Date.parse(consent.expiresAt);
}

/** What the consents in force let one practitioner see of a patient's records. */
export type Coverage = {
  readonly all: boolean;
  readonly categories: ReadonlySet<string>;
  readonly recordIds: ReadonlySet<string>;
};

/** Everything the consents of `grantee` in force at `at` cover; empty when none is in force. */
export function coverageOf(consents: readonly ConsentTerms[], options: { grantee: string; at: Date }): Coverage {
  let all = false;
  const categories = new Set<string>();
  const recordIds = new Set<string>();
  for (const consent of consents) {
    if (consent.grantee !== options.grantee || !consentInForce(consent, options.at)) continue;
    const scope = consent.scope;
    if ('all' in scope) all = true;
    else if ('categories' in scope) for (const category of scope.categories) categories.add(category);
    else for (const recordId of scope.recordIds) recordIds.add(recordId);
  }
  return { all, categories, recordIds };
}

/** Whether the coverage grants anything at all. */
export function coversAnything(coverage: Coverage): boolean {
  return coverage.all || coverage.categories.size > 0 || coverage.recordIds.size > 0;
}

/** Whether `coverage` includes the record. */
export function covers(coverage: Coverage, record: { readonly id: string; readonly category?: string | undefined }): boolean {
  return (
    coverage.all || coverage.recordIds.has(record.id) || (record.category !== undefined && coverage.categories.has(record.category))
  );
}
