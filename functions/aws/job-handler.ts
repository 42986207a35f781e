/**
 * The Lambda entry point of a background job (functions/jobs/): `export const handler =
 * jobHandler(makeHandler, compose)`.
 *
 * Like lambda-handler.ts for routes, the composition is built on the first invocation of the cold
 * start (no top-level awaits on the network) and shared by later ones, and a failed build is not
 * kept. Unlike a route, a job has no client to answer: a failed build is logged (the error's name,
 * and the message only of a ConfigurationError, which names variables, never values) and the
 * invocation fails with a JobCompositionError naming only the cause's name (the runtime logs what
 * a handler throws, and a driver's message could quote a connection string), so that its source
 * retries it: SQS redelivers the batch, a schedule's target retries and then uses its dead-letter queue.
 */
/** The slice of a Powertools logger (an IdsOnlyLogFormatter one in AWS) that jobs log through. */
export type JobLog = {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
};

export class JobCompositionError extends Error {
  override name = 'JobCompositionError';
}

export function jobHandler<Deps, Event, Result>(
  build: (deps: Deps) => (event: Event) => Promise<Result>,
  compose: () => Promise<Deps>,
): (event: Event) => Promise<Result> {
  let built: Promise<(event: Event) => Promise<Result>> | undefined;
  return async (event) => {
    built ??= compose().then(build);
    let handle: (event: Event) => Promise<Result>;
    try {
      handle = await built;
    } catch (error) {
      built = undefined;
      const name = error instanceof Error ? error.name : typeof error;
      const detail = error instanceof Error && name === 'ConfigurationError' ? error.message : undefined;
      console.error(JSON.stringify({ level: 'ERROR', message: 'composition failed', error: name, detail }));
      throw new JobCompositionError(`the job's composition failed: ${name}`);
    }
    return handle(event);
  };
}
