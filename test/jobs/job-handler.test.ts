import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobHandler, JobCompositionError } from '../../functions/aws/job-handler.ts';
import { ConfigurationError } from '../../functions/aws/compose.ts';

describe('jobHandler', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('composes once for many invocations', async () => {
    const compose = vi.fn(async () => 2);
    const handler = jobHandler((factor: number) => async (n: number) => n * factor, compose);

    const results = await Promise.all([handler(1), handler(2), handler(3)]);

    expect({ results, composed: compose.mock.calls.length }).toEqual({ results: [2, 4, 6], composed: 1 });
  });

  it('fails the invocation without the cause message, logs only names and ConfigurationError details, and composes again next time', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const compose = vi
      .fn<() => Promise<number>>()
      .mockRejectedValueOnce(new Error('connect ECONNREFUSED postgresql://user:secret@db'))
      .mockRejectedValueOnce(new ConfigurationError('invalid environment: DATABASE_URL: is required'))
      .mockResolvedValue(1);
    const handler = jobHandler((factor: number) => async (n: number) => n * factor, compose);

    const first = await handler(5).catch((error: unknown) => error);
    await expect(handler(5)).rejects.toThrow("the job's composition failed: ConfigurationError");
    const third = await handler(5);

    expect(first).toBeInstanceOf(JobCompositionError);
    expect((first as Error).message).toBe("the job's composition failed: Error");
    expect(third).toBe(5);
    const logged = errors.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
    expect(logged).toEqual([
      { level: 'ERROR', message: 'composition failed', error: 'Error' },
      { level: 'ERROR', message: 'composition failed', error: 'ConfigurationError', detail: 'invalid environment: DATABASE_URL: is required' },
    ]);
  });
});
