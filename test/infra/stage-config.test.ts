/** The stage configuration: defaults, validation with useful messages, and the stage files. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStageConfig, parseStageConfig, StageConfigError } from '../../infra/config/stage-config.ts';

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'chartproof-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('stage configuration', () => {
  it('defaults to an environment-agnostic stage, GOVERNANCE Object Lock for six years and a database that can pause', () => {
    // Act
    const config = parseStageConfig({ stage: 'prod' });

    // Assess
    expect(config).toMatchObject({
      stage: 'prod',
      objectLock: { mode: 'GOVERNANCE', retentionYears: 6 },
      database: { minCapacity: 0, maxCapacity: 4, backupRetentionDays: 35 },
    });
    expect(config.account).toBeUndefined();
    expect(config.region).toBeUndefined();
  });

  it('fills in the defaults of a partly given section', () => {
    // Act
    const config = parseStageConfig({ stage: 'prod', objectLock: { mode: 'COMPLIANCE' } });

    // Assess
    expect(config.objectLock).toEqual({ mode: 'COMPLIANCE', retentionYears: 6 });
  });

  it.each([
    [{ stage: 'prod', database: { minCapacity: 8, maxCapacity: 2 } }, /minCapacity must not exceed/],
    [{ stage: 'prod', database: { minCapacity: 0.25 } }, /database\.minCapacity/],
    [{ stage: 'prod', objectLock: { mode: 'LEGAL_HOLD' } }, /objectLock\.mode/],
    [{ stage: 'prod', account: '1234' }, /account: a 12-digit AWS account id/],
    [{ stage: 'Prod' }, /stage: a lower-case name/],
    [{ stage: 'prod', alarmEmail: 'not an address' }, /alarmEmail/],
    [{ stage: 'prod', functions: { logRetentionDays: 2 } }, /functions\.logRetentionDays/],
    [{ stage: 'prod', api: { allowedOrigins: ['ftp://example.org'] } }, /api\.allowedOrigins/],
    [{ stage: 'prod', ledgerOrigin: 'has space' }, /ledgerOrigin/],
    [{ stage: 'prod', unknownSetting: true }, /unknownSetting|Unrecognized/],
  ])('refuses %j, naming the field', (input, message) => {
    expect(() => parseStageConfig(input)).toThrow(message);
  });

  it('reads infra/config/<stage>.json', () => {
    // Prepare
    const dir = configDir({ 'staging.json': JSON.stringify({ region: 'eu-west-1', alarmEmail: 'ops@example.org' }) });

    // Act
    const config = loadStageConfig({ stage: 'staging', configDir: dir });

    // Assess
    expect(config).toMatchObject({ stage: 'staging', region: 'eu-west-1', alarmEmail: 'ops@example.org' });
  });

  it('refuses a stage file that names another stage', () => {
    // Prepare
    const dir = configDir({ 'staging.json': JSON.stringify({ stage: 'prod' }) });

    // Act
    const load = () => loadStageConfig({ stage: 'staging', configDir: dir });

    // Assess
    expect(load).toThrow(StageConfigError);
    expect(load).toThrow(/says stage "prod", want "staging"/);
  });

  it('names the file of a stage that has none', () => {
    expect(() => loadStageConfig({ stage: 'nowhere', configDir: configDir({}) })).toThrow(/cannot read .*nowhere\.json/);
  });

  it('ships a valid dev stage', () => {
    expect(loadStageConfig({ stage: 'dev', configDir: join(import.meta.dirname, '../../infra/config') }).stage).toBe('dev');
  });
});
