/**
 * The X-Ray tracer for AWS (ARCHITECTURE.md D6 "X-Ray"). Only the AWS composition root imports this
 * file: it loads the X-Ray SDK, which the local server has no use for.
 *
 * Trace metadata is stored outside the log guard, so the tracer is kept from recording content:
 * responses are never added as metadata (they hold records), and errors are recorded by name and
 * stack frames only (a message can quote the data that failed).
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

export class RedactingTracer extends Tracer {
  override addResponseAsMetadata(_data?: unknown, _methodName?: string): void {
    // Responses hold records: never traced.
  }

  override addErrorAsMetadata(error: Error, remote?: boolean): void {
    super.addErrorAsMetadata(redactedError(error), remote);
  }
}

/** A tracer that records no content; disabled outside Lambda by Powertools itself. */
export function createTracer(options: { serviceName: string }): Tracer {
  return new RedactingTracer({ serviceName: options.serviceName, captureHTTPsRequests: true });
}

function redactedError(error: Error): Error {
  const redacted = new Error(`${error.name} (message withheld)`);
  redacted.name = error.name;
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  redacted.stack = [`${error.name}: (message withheld)`, ...frames].join('\n');
  return redacted;
}
