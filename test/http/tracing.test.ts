import { Tracer } from '@aws-lambda-powertools/tracer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedactingTracer } from '../../functions/http/tracing.ts';

afterEach(() => vi.restoreAllMocks());

describe('RedactingTracer', () => {
  it('records errors by name and frames only', () => {
    const recorded = vi.spyOn(Tracer.prototype, 'addErrorAsMetadata').mockImplementation(() => undefined);
    const tracer = new RedactingTracer({ serviceName: 'chartproof-test' });

    tracer.addErrorAsMetadata(new RangeError('value for Jane Doe out of range'));

    const [traced] = recorded.mock.calls[0] ?? [];
    expect(traced?.name).toBe('RangeError');
    expect(`${traced?.message} ${traced?.stack}`).not.toContain('Jane');
    expect(traced?.stack).toMatch(/\n\s+at /);
  });

  it('never records responses', () => {
    const recorded = vi.spyOn(Tracer.prototype, 'addResponseAsMetadata');
    const tracer = new RedactingTracer({ serviceName: 'chartproof-test' });

    tracer.addResponseAsMetadata({ resource: { resourceType: 'Observation' } }, 'handler');

    expect(recorded).not.toHaveBeenCalled();
  });
});
