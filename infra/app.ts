/**
 * The CDK app: `npx cdk synth|deploy -c stage=<name>` builds the stage described by
 * infra/config/<name>.json (default `dev`). cdk.json runs it with `./node_modules/.bin/node`, so it
 * gets the project's Node 24 (which strips the types) even from a global `cdk` on an older `node`.
 */
import { fileURLToPath } from 'node:url';
import { routes } from '../functions/routes.ts';
import { createChartproofApp } from './chartproof-app.ts';
import { loadStageConfig } from './config/stage-config.ts';

// The CLI passes context (-c) to the app through CDK_CONTEXT_JSON; the stage is read from it before
// the App exists, because the stage decides how the App is built.
function stageFromContext(): string {
  const context = JSON.parse(process.env.CDK_CONTEXT_JSON ?? '{}') as Record<string, unknown>;
  return String(context.stage ?? 'dev');
}

const config = loadStageConfig({ stage: stageFromContext(), configDir: fileURLToPath(new URL('./config/', import.meta.url)) });
createChartproofApp({ config, routes }).app.synth();
