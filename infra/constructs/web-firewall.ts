/**
 * The web application firewall in front of the API stage (ARCHITECTURE.md D6): AWS managed rule
 * groups (common, known bad inputs, IP reputation, SQL injection) and a per-IP rate limit, with
 * its logs in a KMS-encrypted log group (the Authorization header redacted).
 *
 * Two rules of the common group only count instead of blocking, because they would refuse valid
 * records: SizeRestrictions_BODY blocks bodies over 8 KB (a FHIR resource may be up to 1 MiB, which
 * the handler enforces), and CrossSiteScripting_BODY blocks FHIR narratives, whose `text.div` is
 * XHTML by the standard. Bodies are stored encrypted and never rendered by the API.
 */
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export type WebFirewallProps = {
  /** Names the web ACL and its log group (which must start with `aws-waf-logs-`). */
  readonly name: string;
  /** The ARN of the API Gateway stage to protect. */
  readonly stageArn: string;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** Requests per 5 minutes from one IP before it is blocked. */
  readonly rateLimitPerIp: number;
};

const MANAGED_RULE_GROUPS: readonly { name: string; countOnly?: readonly string[] }[] = [
  { name: 'AWSManagedRulesCommonRuleSet', countOnly: ['SizeRestrictions_BODY', 'CrossSiteScripting_BODY'] },
  { name: 'AWSManagedRulesKnownBadInputsRuleSet' },
  { name: 'AWSManagedRulesAmazonIpReputationList' },
  { name: 'AWSManagedRulesSQLiRuleSet' },
];

export class WebFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly association: wafv2.CfnWebACLAssociation;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WebFirewallProps) {
    super(scope, id);

    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });

    const managedRules: wafv2.CfnWebACL.RuleProperty[] = MANAGED_RULE_GROUPS.map((group, index) => ({
      name: group.name,
      priority: index + 1,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name: group.name,
          ...(group.countOnly === undefined ? {} : { ruleActionOverrides: group.countOnly.map((name) => ({ name, actionToUse: { count: {} } })) }),
        },
      },
      visibilityConfig: visibility(group.name),
    }));

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: props.name,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(props.name),
      rules: [
        ...managedRules,
        {
          name: 'RateLimitPerIp',
          priority: managedRules.length + 1,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: props.rateLimitPerIp, aggregateKeyType: 'IP' } },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
      ],
    });

    this.association = new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${props.name}`,
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group ARN without the trailing ":*" that LogGroup.logGroupArn carries.
      logDestinationConfigs: [
        Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: this.logGroup.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    });
  }
}
