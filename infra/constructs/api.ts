/**
 * The REST API (ARCHITECTURE.md D6 "API", API.md): API Gateway with the Cognito authorizer on every
 * route but the public ledger routes and the OpenAPI document, access logs to a KMS-encrypted log
 * group, execution logging at INFO without data tracing (bodies are PHI), X-Ray, a request
 * validator, stage-wide method throttling, and API Gateway's own errors as RFC 9457 problems.
 *
 * Routes come from the route table; a route whose handler module does not exist yet answers 501
 * `not-implemented`, as the local server does.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag/acknowledge.ts';
import { GATEWAY_PROBLEMS, problemTemplate } from './gateway-problems.ts';
import type { RouteSpec } from './route-functions.ts';

export type ApiProps = {
  readonly name: string;
  readonly stageName: string;
  readonly routes: readonly RouteSpec[];
  /** The function serving `handler`, or undefined while its module does not exist. */
  readonly functionFor: (handler: string) => lambda.IFunction | undefined;
  readonly userPool: cognito.IUserPool;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly allowedOrigins: readonly string[];
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
};

export class Api extends Construct {
  readonly restApi: apigw.RestApi;
  readonly authorizer: apigw.CognitoUserPoolsAuthorizer;
  readonly accessLogGroup: logs.LogGroup;
  readonly requestValidator: apigw.RequestValidator;
  /** Every route's method, keyed "METHOD /path". */
  readonly methods: ReadonlyMap<string, apigw.Method>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.restApi = new apigw.RestApi(this, 'RestApi', {
      restApiName: props.name,
      description: 'Chartproof HTTP API v1 (API.md)',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // Execution logging needs the account's API Gateway CloudWatch role (one per account and region).
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stageName,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
        loggingLevel: apigw.MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        tracingEnabled: true,
        metricsEnabled: true,
        throttlingRateLimit: props.throttling.rateLimit,
        throttlingBurstLimit: props.throttling.burstLimit,
      },
      ...(props.allowedOrigins.length > 0
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: [...props.allowedOrigins],
              allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
              allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'X-Break-Glass-Reason'],
            },
          }
        : {}),
    });
    acknowledge(this.restApi.deploymentStage, {
      id: 'HIPAA.Security-APIGWCacheEnabledAndEncrypted',
      reason:
        'Caching is off on purpose: responses are per-caller PHI, and every read must reach the handler so that it is authorized and journaled; a cache would serve records without a journal entry.',
    }, {
      id: 'HIPAA.Security-APIGWSSLEnabled',
      reason:
        'A client certificate authenticates API Gateway to HTTP backends; every integration here is a Lambda proxy invocation (IAM-signed by API Gateway) or a mock, with no HTTP backend to present it to.',
    });

    const cloudWatchRole = this.restApi.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole !== undefined) {
      acknowledge(cloudWatchRole, {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: "The AWS-maintained policy API Gateway's account-level logging role requires (execution logs are mandatory here); it only writes CloudWatch Logs.",
      });
    }

    this.authorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [props.userPool],
      identitySource: apigw.IdentitySource.header('Authorization'),
    });
    this.requestValidator = this.restApi.addRequestValidator('RequestValidator', {
      // Parameters are declared per method; bodies are validated by each handler's zod schema,
      // which answers with the failing fields (a model would add a second, vaguer 400).
      requestValidatorName: 'parameters-and-body',
      validateRequestParameters: true,
      validateRequestBody: true,
    });

    for (const problem of GATEWAY_PROBLEMS) {
      this.restApi.addGatewayResponse(problem.responseType.responseType, {
        type: problem.responseType,
        statusCode: String(problem.status),
        responseHeaders: { 'Content-Type': "'application/problem+json'" },
        templates: { 'application/json': problemTemplate(problem) },
      });
    }

    const methods = new Map<string, apigw.Method>();
    for (const route of props.routes) {
      const fn = props.functionFor(route.handler);
      const resource = this.restApi.root.resourceForPath(route.path);
      const method = resource.addMethod(route.method, fn === undefined ? notImplemented(route) : new apigw.LambdaIntegration(fn, { allowTestInvoke: false }), {
        ...(route.public === true
          ? { authorizationType: apigw.AuthorizationType.NONE }
          : { authorizationType: apigw.AuthorizationType.COGNITO, authorizer: this.authorizer }),
        requestValidator: this.requestValidator,
        requestParameters: requiredParameters(route),
        ...(fn === undefined ? { methodResponses: [{ statusCode: '501', responseParameters: { 'method.response.header.Content-Type': true } }] } : {}),
      });
      if (route.public === true) {
        const reason = `${route.method} ${route.path} is public by design (API.md): it serves the transparency log's signed checkpoints, verifier key and consistency proofs, or the OpenAPI document, none of which holds PHI.`;
        acknowledge(method, { id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
      }
      methods.set(`${route.method} ${route.path}`, method);
    }
    this.methods = methods;
  }
}

function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
}

function requiredParameters(route: RouteSpec): Record<string, boolean> {
  const required: Record<string, boolean> = {};
  for (const name of pathParameters(route.path)) required[`method.request.path.${name}`] = true;
  if (route.public !== true) required['method.request.header.Authorization'] = true;
  return required;
}

/** A 501 `not-implemented` problem, for a route whose handler module does not exist yet. */
function notImplemented(route: RouteSpec): apigw.MockIntegration {
  return new apigw.MockIntegration({
    passthroughBehavior: apigw.PassthroughBehavior.NEVER,
    requestTemplates: { 'application/json': '{"statusCode": 501}' },
    integrationResponses: [
      {
        statusCode: '501',
        responseParameters: { 'method.response.header.Content-Type': "'application/problem+json'" },
        responseTemplates: {
          'application/json': JSON.stringify({
            type: 'https://chartproof.dev/problems/not-implemented',
            title: 'Not implemented',
            status: 501,
            detail: `${route.method} ${route.path} is not implemented yet`,
          }),
        },
      },
    ],
  });
}
