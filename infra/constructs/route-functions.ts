/**
 * One Lambda function per handler module of the route table (functions/routes.ts), each bundled
 * from exactly the module path the local server loads, each with only the grants its entry in
 * infra/handler-needs.ts lists.
 *
 * Why per module and not one function for the whole API: a function's role is the unit of IAM, so
 * the read handler can decrypt records and the consent handlers cannot; each module is also its own
 * small bundle with its own cold start, concurrency ceiling, log group and error alarm.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HandlerNeeds } from '../handler-needs.ts';
import { ChartproofFunction, type FunctionNetwork } from './chartproof-function.ts';
import type { Database } from './database.ts';
import type { Keys } from './keys.ts';
import type { Storage } from './storage.ts';

/** A route as the table lists it (functions/routes.ts RouteDefinition). */
export type RouteSpec = {
  readonly method: string;
  readonly path: string;
  /** Module path relative to the repository root. */
  readonly handler: string;
  readonly public?: boolean;
};

export type RouteFunctionsProps = {
  readonly routes: readonly RouteSpec[];
  /** Absolute path of the repository root, which handler paths are relative to. */
  readonly repositoryRoot: string;
  readonly needsOf: (handler: string) => HandlerNeeds;
  readonly network: FunctionNetwork;
  readonly keys: Keys;
  readonly storage: Storage;
  readonly database: Database;
  readonly eventBus: events.IEventBus;
  /** The database user the functions connect as. */
  readonly runtimeDatabaseUser: string;
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  readonly reservedConcurrency: number;
  readonly memoryMiB: number;
};

export class RouteFunctions extends Construct {
  /** The function of each handler module that exists, keyed by its path from the table. */
  readonly byHandler: ReadonlyMap<string, ChartproofFunction>;
  /**
   * Handler modules the table lists that do not exist yet, or do not export the Lambda `handler`
   * yet (only the local server's `makeHandler`): their routes answer 501.
   */
  readonly missingHandlers: readonly string[];

  constructor(scope: Construct, id: string, props: RouteFunctionsProps) {
    super(scope, id);
    const byHandler = new Map<string, ChartproofFunction>();
    const missing: string[] = [];
    const handlers = [...new Set(props.routes.map((route) => route.handler))];
    for (const handler of handlers) {
      const entry = join(props.repositoryRoot, handler);
      if (!existsSync(entry) || !exportsLambdaHandler(readFileSync(entry, 'utf8'))) {
        missing.push(handler);
        continue;
      }
      const needs = props.needsOf(handler);
      const fn = new ChartproofFunction(this, functionId(handler), {
        entry,
        projectRoot: props.repositoryRoot,
        description: `Chartproof ${routesOf(props.routes, handler)}`,
        invocation: 'synchronous',
        network: props.network,
        operationsKey: props.keys.operationsKey,
        logRetention: props.logRetention,
        reservedConcurrency: props.reservedConcurrency,
        memoryMiB: props.memoryMiB,
        // API Gateway gives up at 29 s; a handler that has not answered by then never will usefully.
        timeout: Duration.seconds(28),
        environment: props.environment,
      });
      grantNeeds(fn, needs, props);
      byHandler.set(handler, fn);
    }
    this.byHandler = byHandler;
    this.missingHandlers = missing;
  }
}

function grantNeeds(fn: ChartproofFunction, needs: HandlerNeeds, props: RouteFunctionsProps): void {
  if (needs.database) props.database.grantConnect(fn, props.runtimeDatabaseUser);
  if (needs.checkpointSigning === true) props.keys.grantCheckpointSigning(fn);
  else if (needs.verifierKey) props.keys.grantVerifierKeyRead(fn);
  if (needs.patientKeys !== undefined && needs.patientKeys.length > 0) props.keys.grantPatientKeyUse(fn, needs.patientKeys);
  if (needs.recordObjects?.read === true) props.storage.grantRecordRead(fn);
  if (needs.recordObjects?.write === true) props.storage.grantRecordWrite(fn);
  if (needs.publishesEvents === true) props.eventBus.grantPutEventsTo(fn);
}

/**
 * Whether a handler module's source exports `handler` (functions/aws/lambda-handler.ts:
 * `export const handler = lambdaHandler(makeHandler)`), the name every function invokes.
 */
export function exportsLambdaHandler(source: string): boolean {
  return /^export\s+(?:const|let|var|(?:async\s+)?function)\s+handler\b/m.test(source) || /^export\s*\{[^}]*\bhandler\b[^}]*\}/m.test(source);
}

/** `functions/handlers/read-record-history.ts` → `ReadRecordHistory`. */
export function functionId(handler: string): string {
  const base = handler.split('/').pop()?.replace(/\.ts$/, '') ?? handler;
  return base
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => `${part.charAt(0).toUpperCase()}${part.slice(1)}`)
    .join('');
}

function routesOf(routes: readonly RouteSpec[], handler: string): string {
  return routes
    .filter((route) => route.handler === handler)
    .map((route) => `${route.method} ${route.path}`)
    .join(', ');
}
