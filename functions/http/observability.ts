/**
 * Logger, Metrics and Tracer for the HTTP chain: built once per cold start by a composition root
 * and passed in, never module singletons, so tests and the local server can replace them.
 *
 * The logger always uses IdsOnlyLogFormatter. Metrics and tracing are optional: the local server
 * leaves both out, so it neither prints EMF lines nor loads the X-Ray SDK (the AWS composition
 * root builds a tracer with tracing.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { IdsOnlyLogFormatter } from './log-formatter.ts';

export type Observability = {
  logger: Logger;
  /** When present, each request adds its metrics and they are published as EMF after the response. */
  metrics?: Metrics;
  /** When present, each request is traced (X-Ray); never in local mode. */
  tracer?: Tracer;
};

/** A logger that can only write ids (see log-formatter.ts). */
export function createLogger(options: { serviceName: string; logLevel?: LogLevel }): Logger {
  return new Logger({ serviceName: options.serviceName, logLevel: options.logLevel ?? 'INFO', logFormatter: new IdsOnlyLogFormatter() });
}
