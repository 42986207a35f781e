import { describe, expect, it } from 'vitest';
import { DomainEventFormatError, DOMAIN_EVENT_TYPES, makeDomainEvent, parseDomainEvent } from '../../shared/events/domain-event.ts';
import { anEvent } from './fixtures.ts';

describe('domain event detail', () => {
  it('accepts a valid event unchanged', () => {
    const event = anEvent();

    const parsed = parseDomainEvent(event);

    expect(parsed).toEqual(event);
  });

  it.each(DOMAIN_EVENT_TYPES)('accepts the detail-type %s', (type) => {
    const event = anEvent({ type });

    expect(parseDomainEvent(event).type).toBe(type);
  });

  it('rejects an unknown detail-type', () => {
    const event = { ...anEvent(), type: 'record.deleted' };

    expect(() => parseDomainEvent(event)).toThrow(DomainEventFormatError);
  });

  it('rejects an extra top-level field such as a free-text note', () => {
    const event = { ...anEvent(), note: 'patient has a history of depression' };

    expect(() => parseDomainEvent(event)).toThrow(/unrecognized key/i);
  });

  it('rejects an extra field inside the actor (a name)', () => {
    const event = { ...anEvent(), actor: { id: 'dr-who', role: 'practitioner', name: 'Dr Who' } };

    expect(() => parseDomainEvent(event)).toThrow(/^actor: /);
  });

  it('rejects free text in a code field', () => {
    const event = anEvent({ type: 'access.denied', reason: 'no consent because the patient said so' });

    expect(() => parseDomainEvent(event)).toThrow(/^reason: /);
  });

  it('rejects an id that is not a UUID', () => {
    const event = anEvent({ id: 'event-1' });

    expect(() => parseDomainEvent(event)).toThrow(/^id: /);
  });

  it('rejects a time that is not UTC with milliseconds', () => {
    const event = anEvent({ at: '2026-11-25T02:00:00+01:00' });

    expect(() => parseDomainEvent(event)).toThrow(/^at: /);
  });

  it('rejects a leaf hash that is not the base64 of 32 bytes', () => {
    const event = anEvent({ receipt: { index: 0, leafHash: 'AAAA' } });

    expect(() => parseDomainEvent(event)).toThrow(/^receipt\.leafHash: /);
  });

  it('rejects a negative journal index', () => {
    const event = anEvent({ receipt: { index: -1, leafHash: anEvent().receipt.leafHash } });

    expect(() => parseDomainEvent(event)).toThrow(/^receipt\.index: /);
  });

  it('rejects another detail version', () => {
    const event = { ...anEvent(), v: 2 };

    expect(() => parseDomainEvent(event)).toThrow(/^v: /);
  });

  it('makes events with the current version and the injected id', () => {
    const { v: _v, id: _id, ...fields } = anEvent();

    const event = makeDomainEvent(fields, () => '0b6d5f1e-8a35-4c1c-9d7e-3f1a2b4c5d6e');

    expect(event).toMatchObject({ v: 1, id: '0b6d5f1e-8a35-4c1c-9d7e-3f1a2b4c5d6e' });
  });

  it('makes a distinct random UUID for each event by default', () => {
    const { v: _v, id: _id, ...fields } = anEvent();

    const ids = new Set([makeDomainEvent(fields).id, makeDomainEvent(fields).id]);

    expect(ids.size).toBe(2);
  });
});
