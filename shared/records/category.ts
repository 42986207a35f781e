import { ValidationError } from '../errors.ts';

// The journal's code syntax (shared/ledger/entry.ts): categories are journaled with each version.
const CATEGORY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * A record's category, the unit consents will be granted on (e.g. `vital-signs`, `laboratory`).
 * Throws ValidationError unless it is a code: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit.
 */
export function requireCategory(category: string | undefined, path: string): string | undefined {
  if (category !== undefined && !CATEGORY.test(category)) {
    throw new ValidationError([{ path, message: 'must be a code: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit' }]);
  }
  return category;
}
