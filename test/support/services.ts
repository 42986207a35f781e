/**
 * Where the integration tests find PostgreSQL and moto_server.
 *
 * `.ci/run` starts both and exports their addresses. On a developer machine without them, the
 * integration suites skip with one clear line; under CI=true a missing service is a failure,
 * because a skipped integration test would let an untested change land.
 */
type Service = { name: string; variable: string; howToStart: string };

const postgres: Service = {
  name: 'PostgreSQL',
  variable: 'CHARTPROOF_TEST_DATABASE_URL',
  howToStart: 'run `bash .ci/run`, or export CHARTPROOF_TEST_DATABASE_URL=postgresql://user@host/db (a superuser)',
};
const moto: Service = {
  name: 'moto_server',
  variable: 'CHARTPROOF_TEST_AWS_ENDPOINT',
  howToStart: 'run `moto_server -H 127.0.0.1 -p 5055` and export CHARTPROOF_TEST_AWS_ENDPOINT=http://127.0.0.1:5055',
};

function locate(service: Service): string | undefined {
  const value = process.env[service.variable];
  if (value) return value;
  if (process.env.CI === 'true') {
    throw new Error(`${service.name} is required under CI=true but ${service.variable} is not set`);
  }
  console.warn(`SKIPPING ${service.name} integration tests: ${service.variable} is not set (${service.howToStart}).`);
  return undefined;
}

/** The superuser URL of a PostgreSQL server for tests, or undefined (outside CI) when there is none. */
export const testDatabaseUrl = (): string | undefined => locate(postgres);

/** The moto_server endpoint for AWS adapter tests, or undefined (outside CI) when there is none. */
export const testAwsEndpoint = (): string | undefined => locate(moto);
