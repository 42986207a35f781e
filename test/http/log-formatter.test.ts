import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REDACTED, REDACTED_MESSAGE } from '../../functions/http/log-formatter.ts';
import { capturedObservability } from './support.ts';

let capture: ReturnType<typeof capturedObservability>;
beforeEach(() => {
  capture = capturedObservability();
});
afterEach(() => capture.restore());

const logged = (): Record<string, unknown>[] => capture.lines().map((line) => JSON.parse(line) as Record<string, unknown>);

describe('IdsOnlyLogFormatter', () => {
  it('keeps ids, numbers, booleans and the standard fields', () => {
    capture.observability.logger.info('record read', { requestId: 'req-1', patientId: 'p-1', route: '/v1/patients/{patientId}', version: 3, breakGlass: false, recordIds: ['r-1', 'r-2'] });

    expect(logged()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'record read',
        service: 'chartproof-test',
        timestamp: expect.any(String),
        requestId: 'req-1',
        patientId: 'p-1',
        route: '/v1/patients/{patientId}',
        version: 3,
        breakGlass: false,
        recordIds: ['r-1', 'r-2'],
      }),
    ]);
  });

  it.each([
    ['an object (a body)', { resourceType: 'Observation', valueString: 'HIV positive' }],
    ['serialized JSON', '{"resourceType":"Observation"}'],
    ['prose', 'Jane Doe has diabetes'],
    ['an array of objects', [{ name: 'Jane' }]],
    ['an overlong string', 'x'.repeat(201)],
  ])('redacts %s', (_case, value) => {
    capture.observability.logger.info('something happened', { requestId: 'req-1', body: value });

    expect(logged()[0]).toMatchObject({ requestId: 'req-1', body: REDACTED });
  });

  it('redacts a message that is not a plain sentence', () => {
    capture.observability.logger.info(`got ${JSON.stringify({ name: 'Jane' })}`);

    expect(logged()[0]?.message).toBe(REDACTED_MESSAGE);
  });

  it('logs errors by name, code and stack frames, never their message', () => {
    const error = Object.assign(new Error('duplicate key (name)=(Jane Doe)', { cause: new TypeError('Jane again') }), { code: '23505' });

    capture.observability.logger.error('write failed', { requestId: 'req-1', error });

    const line = capture.lines().join('\n');
    expect(line).not.toContain('Jane');
    expect(logged()[0]).toMatchObject({
      requestId: 'req-1',
      error: { name: 'Error', code: '23505', frames: expect.arrayContaining([expect.stringMatching(/^at /)]), cause: { name: 'TypeError' } },
    });
  });

  it('drops attributes whose names are not plain identifiers', () => {
    capture.observability.logger.info('something happened', { 'Jane Doe': 'p-1', requestId: 'req-1' });

    expect(capture.lines().join('\n')).not.toContain('Jane');
  });
});
