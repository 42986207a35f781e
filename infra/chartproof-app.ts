/**
 * Builds the CDK app for one stage: the stack and the cdk-nag checks. `infra/app.ts` calls it for
 * `cdk synth`/`cdk deploy`; tests and the bundle benchmark call it with their own outdir and
 * context.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, type AppProps } from 'aws-cdk-lib';
import { ChartproofStack } from './chartproof-stack.ts';
import type { StageConfig } from './config/stage-config.ts';
import type { RouteSpec } from './constructs/route-functions.ts';
import type { HandlerNeeds } from './handler-needs.ts';
import { addNagChecks } from './nag/checks.ts';

/** The repository root: handler modules in the route table are relative to it. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

export type ChartproofAppOptions = {
  readonly config: StageConfig;
  /** The route table (functions/routes.ts). */
  readonly routes: readonly RouteSpec[];
  /** Passed to the App (outdir, context); the CLI supplies both through the environment. */
  readonly appProps?: AppProps;
  /** Register the cdk-nag packs as validation plugins (default true). */
  readonly nag?: boolean;
  readonly repositoryRoot?: string;
  readonly needsOf?: (handler: string) => HandlerNeeds;
};

export type ChartproofApp = { readonly app: App; readonly stack: ChartproofStack };

export function stackName(stage: string): string {
  return `Chartproof-${stage}`;
}

export function createChartproofApp(options: ChartproofAppOptions): ChartproofApp {
  const { config } = options;
  const app = new App(options.appProps);
  const env = config.account === undefined && config.region === undefined ? undefined : { account: config.account, region: config.region };
  const stack = new ChartproofStack(app, stackName(config.stage), {
    config,
    env,
    routes: options.routes,
    repositoryRoot: options.repositoryRoot ?? REPOSITORY_ROOT,
    needsOf: options.needsOf,
    description: `Chartproof ${config.stage}: verifiable, encrypted health records (FHIR R4) behind API Gateway`,
    terminationProtection: true,
  });
  if (options.nag !== false) addNagChecks(app);
  return { app, stack };
}

/**
 * The context pinned in cdk.json (feature flags). The CLI passes it to `infra/app.ts` itself; code
 * that builds the app in-process (tests, benchmarks) passes it explicitly so that both synthesize
 * the same templates.
 */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as { context?: Record<string, unknown> };
  return { ...cdkJson.context };
}
