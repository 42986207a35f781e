import { describe, expect, it } from 'vitest';
import { authorizerClaims, cognitoDate } from '../../functions/local/cognito-claims.ts';

describe('authorizerClaims: what the Cognito authorizer of a REST API passes', () => {
  it('turns every claim into a string, groups joined by commas and times written as dates', () => {
    const claims = authorizerClaims({
      sub: 'pa-1',
      'cognito:groups': ['patient', 'beta'],
      'custom:patient_id': 'p-1',
      token_use: 'id',
      auth_time: 1680629979,
      iat: 1680629979,
      exp: 1680633579,
      email_verified: true,
    });

    expect(claims).toEqual({
      sub: 'pa-1',
      'cognito:groups': 'patient,beta',
      'custom:patient_id': 'p-1',
      token_use: 'id',
      auth_time: '1680629979',
      iat: 'Tue Apr 04 17:39:39 UTC 2023',
      exp: 'Tue Apr 04 18:39:39 UTC 2023',
      email_verified: 'true',
    });
  });

  it('writes single-digit days with a leading zero, as Java does', () => {
    expect(cognitoDate(Date.UTC(2024, 0, 5, 3, 4, 5) / 1000)).toBe('Fri Jan 05 03:04:05 UTC 2024');
  });
});
