/**
 * The app as the platform team runs it: `npx cdk synth` with no AWS credentials, bundling every
 * function with the local esbuild (ARCHITECTURE.md D6 "The app"); cfn-lint on what it wrote; and
 * the bundles' entry points against the route table (the local server reads the same table). One
 * CLI synthesis for the whole file.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes.ts';
import { REPOSITORY_ROOT } from '../../infra/chartproof-app.ts';
import { exportsLambdaHandler, functionId } from '../../infra/constructs/route-functions.ts';

const run = promisify(execFile);

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> };

/** The environment without AWS credentials or profile: the synthesis must not need them. */
function offlineEnvironment(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('CDK_')));
  return { ...env, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
}

let outdir: string;
let synth: { code: number; stderr: string };
let resources: Record<string, Resource>;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'chartproof-cdk-cli-'));
  try {
    const { stderr } = await run('npx', ['cdk', 'synth', '-q', '--no-notices', '--no-version-reporting', '-c', 'stage=dev', '-o', outdir], {
      cwd: REPOSITORY_ROOT,
      env: offlineEnvironment(),
      maxBuffer: 64 * 1024 * 1024,
    });
    synth = { code: 0, stderr };
  } catch (error) {
    const failure = error as { code?: number; stderr?: string };
    synth = { code: failure.code ?? 1, stderr: failure.stderr ?? String(error) };
  }
  const template = join(outdir, 'Chartproof-dev.template.json');
  resources = existsSync(template) ? (JSON.parse(readFileSync(template, 'utf8')) as { Resources: Record<string, Resource> }).Resources : {};
}, 300_000);

describe('npx cdk synth', () => {
  it('succeeds offline, without AWS credentials, cdk-nag checks included', () => {
    // The CLI's output is in the diff when it fails.
    expect({ code: synth.code, output: synth.code === 0 ? '' : synth.stderr }).toEqual({ code: 0, output: '' });
  });

  it('bundles every function with the local esbuild into a minified ESM bundle with a source map', () => {
    // Act
    const bundles = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Handler === 'index.handler')
      .map((resource) => join(outdir, resource.Metadata?.['aws:asset:path'] ?? 'missing'));

    // Assess
    expect(bundles.length).toBeGreaterThan(1);
    for (const bundle of bundles) expect(readdirSync(bundle).sort()).toEqual(['index.mjs', 'index.mjs.map']);
  });
});

describe('cfn-lint', () => {
  it('finds no problem in any synthesized template', async () => {
    // Prepare
    const templates = readdirSync(outdir)
      .filter((file) => file.endsWith('.template.json'))
      .map((file) => join(outdir, file));

    // Act
    // W3005 (a DependsOn that a GetAtt already implies) is ignored: CDK itself makes each function
    // depend on its role's policy that way; it is redundant and harmless.
    const lint = await run('cfn-lint', ['--ignore-checks', 'W3005', '--', ...templates]).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '' }),
    );

    // Assess
    expect(templates.length).toBeGreaterThan(0);
    expect(lint).toEqual({ code: 0, stdout: '' });
  });
});

describe('the bundled handlers', () => {
  /** Route table modules that exist and export the Lambda `handler`, as the stack decides. */
  const deployable = [...new Set(routes.map((route) => route.handler))].filter((handler) => {
    const file = join(REPOSITORY_ROOT, handler);
    return existsSync(file) && exportsLambdaHandler(readFileSync(file, 'utf8'));
  });

  function routeFunctionBundles(): Map<string, string> {
    const bundles = new Map<string, string>();
    for (const resource of Object.values(resources)) {
      const path = resource.Metadata?.['aws:cdk:path'] ?? '';
      const match = /\/RouteFunctions\/([^/]+)\/Function\/Resource$/.exec(path);
      if (resource.Type === 'AWS::Lambda::Function' && match?.[1] !== undefined) bundles.set(match[1], join(outdir, resource.Metadata?.['aws:asset:path'] ?? ''));
    }
    return bundles;
  }

  it('are exactly the deployable modules of the route table, one function each', () => {
    // Act
    const functionIds = [...routeFunctionBundles().keys()].sort();

    // Assess
    expect(deployable.length).toBeGreaterThan(0);
    expect(functionIds).toEqual(deployable.map(functionId).sort());
  });

  it('each have their route module as the entry point', () => {
    for (const handler of deployable) {
      // Act
      const bundle = routeFunctionBundles().get(functionId(handler)) ?? '';
      const sources = (JSON.parse(readFileSync(join(bundle, 'index.mjs.map'), 'utf8')) as { sources: string[] }).sources;

      // Assess
      expect({ handler, entry: sources.filter((source) => source.includes('functions/handlers/')) }).toEqual({
        handler,
        entry: [expect.stringMatching(new RegExp(`${handler.replaceAll('.', '\\.')}$`))],
      });
    }
  });

  it('each export handler, the name Lambda invokes', () => {
    for (const bundle of routeFunctionBundles().values()) {
      expect(readFileSync(join(bundle, 'index.mjs'), 'utf8')).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}|export\s*\{[^}]*\bhandler\b[^}]*\}/);
    }
  });

  it('leave every route whose module is not deployable yet answering 501, through a mock integration', () => {
    // Prepare
    const pending = routes.filter((route) => !deployable.includes(route.handler));

    // Act
    const mocks = Object.values(resources).filter(
      (resource) => resource.Type === 'AWS::ApiGateway::Method' && (resource.Properties.Integration as { Type?: string } | undefined)?.Type === 'MOCK' && resource.Properties.HttpMethod !== 'OPTIONS',
    );

    // Assess
    expect(mocks).toHaveLength(pending.length);
    for (const mock of mocks) expect(JSON.stringify(mock.Properties.Integration)).toContain('not-implemented');
  });
});
