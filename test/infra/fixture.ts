/**
 * Builds the CDK app in-process for the infra tests, without bundling (esbuild runs in the CLI
 * synth test only), so a template test costs one synthesis.
 *
 * `fixtureRepository()` is a throw-away repository root holding a stub for every handler module of
 * the route table and every background job, so that the templates under test show the complete
 * stack whatever colleagues have implemented so far (the CLI synth test covers the real tree).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { routes } from '../../functions/routes.ts';
import { BACKGROUND_JOBS, WEBHOOK_SENDER } from '../../infra/background-jobs.ts';
import { cdkJsonContext, createChartproofApp, REPOSITORY_ROOT, type ChartproofApp } from '../../infra/chartproof-app.ts';
import { parseStageConfig, type StageConfigInput } from '../../infra/config/stage-config.ts';
import { MIGRATION_HANDLER, MIGRATIONS_DIR } from '../../infra/constructs/schema-migrations.ts';

export const TEST_CONFIG: StageConfigInput = {
  stage: 'test',
  alarmEmail: 'alarms@example.org',
  api: { allowedOrigins: ['https://app.example.org'] },
  notifications: { emailSender: 'alerts@example.org' },
};

const STUB_HANDLER = 'export const handler = async () => ({ statusCode: 204, body: "" });\n';

export function fixtureRepository(): string {
  const root = mkdtempSync(join(tmpdir(), 'chartproof-infra-'));
  const modules = [...new Set(routes.map((route) => route.handler)), ...Object.values(BACKGROUND_JOBS), WEBHOOK_SENDER, MIGRATION_HANDLER];
  for (const module of modules) {
    mkdirSync(dirname(join(root, module)), { recursive: true });
    writeFileSync(join(root, module), STUB_HANDLER);
  }
  mkdirSync(join(root, MIGRATIONS_DIR), { recursive: true });
  for (const file of readdirSync(join(REPOSITORY_ROOT, MIGRATIONS_DIR))) cpSync(join(REPOSITORY_ROOT, MIGRATIONS_DIR, file), join(root, MIGRATIONS_DIR, file));
  // NodejsFunction locates the project by its lock file.
  writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {}}\n');
  return root;
}

export type TestAppOptions = {
  readonly config?: StageConfigInput;
  readonly context?: Record<string, unknown>;
  readonly repositoryRoot?: string;
  readonly nag?: boolean;
  readonly outdir?: string;
};

export function buildTestApp(options: TestAppOptions = {}): ChartproofApp {
  return createChartproofApp({
    config: parseStageConfig(options.config ?? TEST_CONFIG),
    routes,
    repositoryRoot: options.repositoryRoot ?? fixtureRepository(),
    nag: options.nag ?? false,
    appProps: {
      outdir: options.outdir ?? mkdtempSync(join(tmpdir(), 'chartproof-cdk-out-')),
      context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...options.context },
    },
  });
}

/** Synthesizes the fixture app once and returns its template. */
export function synthTemplate(options: TestAppOptions = {}): { app: ChartproofApp; template: Template } {
  const app = buildTestApp(options);
  return { app, template: Template.fromStack(app.stack) };
}
