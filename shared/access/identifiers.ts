/**
 * The identifiers the records API accepts in paths and tokens.
 *
 * Patient and record ids are UUIDs the server generates (lowercase, as crypto.randomUUID writes
 * them), so anything else cannot name an existing patient or record and is refused as bad input
 * before anything is looked up or journaled. Actor ids (JWT `sub`) are journaled, so they must be
 * journal identifiers (shared/ledger/entry.ts).
 */
import { UnauthenticatedError, ValidationError } from '../errors.ts';
import type { Actor } from './actor.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JOURNAL_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Throws ValidationError naming `path` unless `id` is a lowercase UUID. */
export function requireUuid(id: string, path: string): void {
  if (!UUID.test(id)) throw new ValidationError([{ path, message: 'must be a lowercase UUID' }]);
}

/** Throws UnauthenticatedError unless the actor's ids can be journaled. */
export function requireJournalableActor(actor: Actor): void {
  if (!JOURNAL_ID.test(actor.id)) {
    throw new UnauthenticatedError('the token subject is not a valid identifier (1-64 of A-Z a-z 0-9 . _ : -)');
  }
}
