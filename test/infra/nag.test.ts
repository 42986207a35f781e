/**
 * cdk-nag 3 (HIPAA Security and AWS Solutions) holds the app to zero unacknowledged findings, and
 * each acknowledgment is what keeps its finding out (ARCHITECTURE.md D6 "Checks"). One synthesis
 * with the packs as validation plugins; the other apps are only constructed (the packs walk the
 * construct tree).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChartproofApp } from '../../infra/chartproof-app.ts';
import { WITHOUT_ACKNOWLEDGMENT_CONTEXT } from '../../infra/nag/acknowledge.ts';
import { nagPacks } from '../../infra/nag/checks.ts';
import { buildTestApp } from './fixture.ts';

type Finding = { rule: string; path: string; severity: string };

function findingsOf(app: ChartproofApp): Finding[] {
  return nagPacks(app.app).flatMap((pack) =>
    pack.validateScope(app.app).violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => ({ rule: violation.ruleName, path: resource.constructPath ?? '', severity: violation.severity ?? '' })),
    ),
  );
}

/** This app's acknowledgments (CDK's own CloudFormation-validation ones aside). */
function acknowledgmentsOf(app: ChartproofApp): { id: string; path: string }[] {
  return app.app.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.keys(entry.data as object).map((id) => ({ id: id.replace(/^annotation::/i, ''), path: construct.node.path }))),
    )
    .filter((acknowledgment) => !acknowledgment.id.startsWith('CloudFormation-Validate::'));
}

describe('the app as deployed', () => {
  let app: ChartproofApp;
  let outdir: string;
  let synthError: unknown;

  beforeAll(() => {
    app = buildTestApp({ nag: true });
    outdir = app.app.outdir;
    try {
      app.app.synth();
    } catch (error) {
      synthError = error;
    }
  });

  it('synthesizes with both packs registered as validation plugins', () => {
    expect(synthError).toBeUndefined();
  });

  it('leaves no cdk-nag finding in the validation report', () => {
    // Act
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { pluginName: string; violations: unknown[] }[] };

    // Assess
    expect(report.pluginReports.filter((plugin) => ['HIPAA.Security', 'AwsSolutions'].includes(plugin.pluginName))).toEqual([]);
  });

  it('has zero unacknowledged findings, errors and warnings, from HIPAA Security and AWS Solutions', () => {
    expect(findingsOf(app)).toEqual([]);
  });
});

describe('acknowledgments', () => {
  it('lets the finding through, and fails the synthesis, when one acknowledgment is skipped', () => {
    // Prepare
    const rule = 'HIPAA.Security-APIGWCacheEnabledAndEncrypted';
    const app = buildTestApp({ nag: true, context: { [WITHOUT_ACKNOWLEDGMENT_CONTEXT]: rule } });

    // Act
    const synth = () => app.app.synth();

    // Assess
    expect(findingsOf(app)).toEqual([{ rule, path: expect.stringMatching(/\/Api\/RestApi\/DeploymentStage\.test\/Resource$/), severity: 'error' }]);
    expect(synth).toThrow(/HIPAA\.Security-APIGWCacheEnabledAndEncrypted/);
  });

  it('each keep out a finding that exists without them: none is left over', () => {
    // Prepare
    const unacknowledged = findingsOf(buildTestApp({ context: { [WITHOUT_ACKNOWLEDGMENT_CONTEXT]: '*' } }));

    // Act
    const acknowledgments = acknowledgmentsOf(buildTestApp());

    // Assess
    expect(acknowledgments.length).toBeGreaterThan(0);
    const leftOver = acknowledgments.filter(
      ({ id, path }) => !unacknowledged.some((finding) => finding.rule === id && (finding.path === path || finding.path.startsWith(`${path}/`))),
    );
    expect(leftOver).toEqual([]);
  });
});
