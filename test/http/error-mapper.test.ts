import { describe, expect, it } from 'vitest';
import { mapError } from '../../functions/http/error-mapper.ts';
import {
  DomainError,
  ForbiddenError,
  GoneError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  IntegrityFailureError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  ValidationError,
  VersionConflictError,
} from '../../shared/errors.ts';

const context = { requestId: 'req-1' };

describe('mapError: each domain error has its status and problem type', () => {
  it.each([
    [new ValidationError([{ path: 'body.resource', message: 'is required' }]), 400, 'invalid-request', { errors: [{ path: 'body.resource', message: 'is required' }] }],
    [new UnauthenticatedError('token expired'), 401, 'unauthenticated', {}],
    [new ForbiddenError('no consent covers record r-1'), 403, 'forbidden', {}],
    [new NotFoundError({ resource: 'record', id: 'r-1' }), 404, 'not-found', {}],
    [new VersionConflictError({ got: 2, want: 3 }), 409, 'version-conflict', { currentVersion: 3 }],
    [new IdempotencyInProgressError({ key: 'k-1' }), 409, 'idempotency-in-progress', {}],
    [new GoneError({ patientId: 'p-1' }), 410, 'erased', {}],
    [new PayloadTooLargeError({ subject: 'resource', limitBytes: 1_048_576, gotBytes: 2_000_000 }), 413, 'payload-too-large', { limitBytes: 1_048_576 }],
    [new UnsupportedMediaTypeError({ got: 'text/plain', want: ['application/json'] }), 415, 'unsupported-media-type', { accepted: ['application/json'] }],
    [new IdempotencyConflictError({ key: 'k-1' }), 422, 'idempotency-key-reused', {}],
    [new IntegrityFailureError({ recordId: 'r-1', version: 2 }), 500, 'integrity-failure', { recordId: 'r-1', version: 2 }],
  ] as const)('%s → %i %s', (error, status, slug, extensions) => {
    const { problem, unexpected } = mapError(error, context);

    expect(problem).toEqual({
      type: `https://chartproof.dev/problems/${slug}`,
      title: expect.any(String),
      status,
      detail: error.message,
      requestId: 'req-1',
      ...extensions,
    });
    expect(unexpected).toBe(false);
  });

  it('ends the integrity failure type in exactly integrity-failure', () => {
    const { problem } = mapError(new IntegrityFailureError({ recordId: 'r-1', version: 1 }), context);

    expect(problem.type.split('/').at(-1)).toBe('integrity-failure');
  });

  it('adds the journal receipt a refusal carries', () => {
    const { problem } = mapError(new ForbiddenError('denied', { receipt: { index: 12, leafHash: 'aGFzaA==' } }), context);

    expect(problem.entry).toEqual({ index: 12, leafHash: 'aGFzaA==' });
  });

  it('asks for a bearer token on 401 and a retry on an idempotent request in progress', () => {
    expect(mapError(new UnauthenticatedError('no token'), context).headers).toEqual({ 'www-authenticate': 'Bearer realm="chartproof"' });
    expect(mapError(new IdempotencyInProgressError({ key: 'k' }), context).headers).toEqual({ 'retry-after': '1' });
  });
});

describe('mapError: everything else is an opaque 500', () => {
  it.each([
    ['an Error', new Error('duplicate key value (patient_name)=(Jane Doe)')],
    ['a DomainError the mapper does not know', new DomainError('some new refusal about Jane Doe')],
    ['a string', 'Jane Doe'],
    ['undefined', undefined],
  ])('%s', (_case, error) => {
    const { problem, unexpected } = mapError(error, context);

    expect(problem).toEqual({
      type: 'https://chartproof.dev/problems/internal-error',
      title: 'Internal error',
      status: 500,
      detail: 'an unexpected error occurred; quote request id req-1 when reporting it',
      requestId: 'req-1',
    });
    expect(unexpected).toBe(true);
  });
});

describe('domain error messages', () => {
  it('name the failing fields of a validation error, at most three', () => {
    const error = new ValidationError(['a', 'b', 'c', 'd', 'e'].map((path) => ({ path, message: 'is wrong' })));

    expect(error.message).toBe('invalid request: a: is wrong; b: is wrong; c: is wrong (and 2 more)');
  });

  it('echo a media type only when it looks like one', () => {
    expect(new UnsupportedMediaTypeError({ got: 'text/plain', want: ['application/json'] }).message).toMatch(/^Content-Type text\/plain is not accepted/);
    expect(new UnsupportedMediaTypeError({ got: '<script>alert(1)</script>', want: ['application/json'] }).message).toMatch(/^this Content-Type is not accepted/);
  });

  it('keep their cause', () => {
    const cause = new Error('driver');

    expect(new NotFoundError({ resource: 'record', cause }).cause).toBe(cause);
  });
});
