/**
 * API Gateway's own error responses (no token, unknown route, throttled, blocked by WAF, …) as RFC
 * 9457 problems with the same `type` URIs the handlers use (functions/http/problem.ts), so that a
 * client sees `application/problem+json` whoever refused the request (API.md "Errors"). Every
 * response type API Gateway documents is listed, so its DEFAULT_4XX/5XX fallbacks never apply.
 */
import * as apigw from 'aws-cdk-lib/aws-apigateway';

export const PROBLEM_TYPE_BASE = 'https://chartproof.dev/problems/';

export type GatewayProblem = {
  readonly responseType: apigw.ResponseType;
  readonly status: number;
  readonly slug: string;
  readonly title: string;
  readonly detail: string;
};

export const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
  { responseType: apigw.ResponseType.UNAUTHORIZED, status: 401, slug: 'unauthenticated', title: 'Authentication required', detail: 'a valid bearer token is required' },
  { responseType: apigw.ResponseType.EXPIRED_TOKEN, status: 401, slug: 'unauthenticated', title: 'Authentication required', detail: 'the token has expired' },
  { responseType: apigw.ResponseType.ACCESS_DENIED, status: 403, slug: 'forbidden', title: 'Forbidden', detail: 'access denied' },
  { responseType: apigw.ResponseType.WAF_FILTERED, status: 403, slug: 'forbidden', title: 'Forbidden', detail: 'the request was blocked by the web application firewall' },
  // API Gateway answers an unknown path with "Missing Authentication Token"; the contract says 404.
  { responseType: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, status: 404, slug: 'not-found', title: 'Not found', detail: 'no such route' },
  { responseType: apigw.ResponseType.BAD_REQUEST_PARAMETERS, status: 400, slug: 'invalid-request', title: 'Invalid request', detail: 'a required parameter is missing' },
  { responseType: apigw.ResponseType.BAD_REQUEST_BODY, status: 400, slug: 'invalid-request', title: 'Invalid request', detail: 'the body is invalid' },
  { responseType: apigw.ResponseType.REQUEST_TOO_LARGE, status: 413, slug: 'payload-too-large', title: 'Payload too large', detail: 'the request is too large' },
  { responseType: apigw.ResponseType.UNSUPPORTED_MEDIA_TYPE, status: 415, slug: 'unsupported-media-type', title: 'Unsupported media type', detail: 'the content type is not supported' },
  { responseType: apigw.ResponseType.THROTTLED, status: 429, slug: 'throttled', title: 'Too many requests', detail: 'slow down and retry later' },
  { responseType: apigw.ResponseType.INVALID_SIGNATURE, status: 403, slug: 'forbidden', title: 'Forbidden', detail: 'the request signature is invalid' },
  { responseType: apigw.ResponseType.INVALID_API_KEY, status: 403, slug: 'forbidden', title: 'Forbidden', detail: 'the API key is invalid' },
  { responseType: apigw.ResponseType.RESOURCE_NOT_FOUND, status: 404, slug: 'not-found', title: 'Not found', detail: 'no such resource' },
  { responseType: apigw.ResponseType.QUOTA_EXCEEDED, status: 429, slug: 'throttled', title: 'Too many requests', detail: 'the request quota is exhausted' },
  { responseType: apigw.ResponseType.AUTHORIZER_FAILURE, status: 500, slug: 'internal-error', title: 'Internal error', detail: 'the request could not be authorized' },
  { responseType: apigw.ResponseType.AUTHORIZER_CONFIGURATION_ERROR, status: 500, slug: 'internal-error', title: 'Internal error', detail: 'the request could not be authorized' },
  { responseType: apigw.ResponseType.API_CONFIGURATION_ERROR, status: 500, slug: 'internal-error', title: 'Internal error', detail: 'the request could not be completed' },
  { responseType: apigw.ResponseType.INTEGRATION_FAILURE, status: 502, slug: 'internal-error', title: 'Internal error', detail: 'the request could not be completed' },
  { responseType: apigw.ResponseType.INTEGRATION_TIMEOUT, status: 504, slug: 'internal-error', title: 'Internal error', detail: 'the request timed out' },
];

/** The mapping template of `problem`: JSON with the request id as an extension member. */
export function problemTemplate(problem: GatewayProblem): string {
  return JSON.stringify({
    type: `${PROBLEM_TYPE_BASE}${problem.slug}`,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    requestId: '$context.requestId',
  });
}
