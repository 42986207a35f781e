/**
 * The claims API Gateway's Cognito user pool authorizer puts in `requestContext.authorizer.claims`
 * of a REST proxy event, from a verified token's payload. The local server uses it so handlers see
 * exactly what they see in AWS.
 *
 * That authorizer coerces every claim to a string: arrays are joined with commas
 * (`cognito:groups` ["patient"] becomes "patient"), `exp` and `iat` become dates written like
 * "Tue Apr 04 18:39:39 UTC 2023", and other numbers their decimal form (`auth_time`).
 */
import type { JWTPayload } from 'jose';

const DATE_CLAIMS = new Set(['exp', 'iat']);
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function authorizerClaims(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if (DATE_CLAIMS.has(name) && typeof value === 'number') claims[name] = cognitoDate(value);
    else if (Array.isArray(value)) claims[name] = value.map(String).join(',');
    else if (typeof value === 'object') claims[name] = JSON.stringify(value);
    else claims[name] = String(value);
  }
  return claims;
}

/** Seconds since the epoch as API Gateway writes them: "Tue Apr 04 18:39:39 UTC 2023". */
export function cognitoDate(seconds: number): string {
  const date = new Date(seconds * 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${WEEKDAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${two(date.getUTCDate())} ${time} UTC ${date.getUTCFullYear()}`;
}
