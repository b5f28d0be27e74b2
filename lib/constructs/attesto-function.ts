/**
 * The one way attesto builds a Lambda function: latest Node.js runtime on ARM64, an ESM bundle
 * built by the locally installed esbuild (never Docker, never the network), minified with source
 * maps, its own role that starts empty, its own log group with a fixed retention, JSON logs
 * through Powertools without the event, and X-Ray tracing. For functions API Gateway invokes
 * (synchronously): route groups and the authorizer.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NagSuppressions } from 'cdk-nag';
import { BUNDLING, FUNCTION_NODE_OPTIONS, REQUIRE_SHIM } from '../bundling';

/** The repository root: bundles are built from here, with its package-lock.json. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Between the 180 and 365 days the issue allows: a school year plus the summer, for audits. */
export const LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

export const RUNTIME = lambda.Runtime.NODEJS_24_X;


export interface AttestoFunctionProps {
  /** Entry file, relative to the repository root (e.g. lambdas/handlers/issuer.ts). */
  entry: string;
  description: string;
  /** Powertools service name; logs and metrics are grouped by it. */
  serviceName: string;
  environment?: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
  /** Concurrency reserved for (and capping) this function; none by default. */
  reservedConcurrency?: number;
}

/** Fails synth instead of letting NodejsFunction fall back to Docker bundling. */
function assertLocalEsbuild(scope: Construct): void {
  try {
    createRequire(import.meta.url).resolve('esbuild');
  } catch {
    throw new Error(`${scope.node.path}: esbuild is not installed locally; attesto bundles with the esbuild in node_modules and never with Docker`);
  }
}

export class AttestoFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AttestoFunctionProps) {
    super(scope, id);
    assertLocalEsbuild(this);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: LOG_RETENTION,
      // Logs outlive a teardown until their retention ends: they are the operations record.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // No managed policy: the role can write to its own log group and nothing else until the
    // stack grants it exactly what its route group needs (group-access.ts).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `attesto ${props.serviceName}`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}${props.entry}`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      description: props.description,
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      // INFO: the platform's START and REPORT lines (duration, memory, init duration) are what an
      // on-call operator reads first about a timeout or an out-of-memory crash; they hold nothing personal.
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'attesto',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Events carry request bodies (names, grades): never log them, never sample DEBUG.
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        POWERTOOLS_LOGGER_SAMPLE_RATE: '0',
        POWERTOOLS_DEV: 'false',
        // Stack traces point into lambdas/, not into the minified bundle.
        NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: BUNDLING.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
        target: BUNDLING.target,
        mainFields: [...BUNDLING.mainFields],
        minify: BUNDLING.minify,
        sourceMap: BUNDLING.sourceMap,
        sourceMapMode: BUNDLING.sourceMapMode === 'linked' ? SourceMapMode.DEFAULT : SourceMapMode.EXTERNAL,
        sourcesContent: BUNDLING.sourcesContent,
        banner: REQUIRE_SHIM,
        // The SDK is bundled from package-lock.json, not taken from the runtime: what was
        // tested is what runs.
        bundleAwsSDK: true,
      },
    });

    NagSuppressions.addResourceSuppressions(this.function, [
      {
        id: 'Serverless-LambdaDLQ',
        reason: 'Invoked synchronously by API Gateway only: a failure is returned to the caller as an HTTP error, no event is left to park in a dead-letter queue.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.role.node.findChild('DefaultPolicy'), [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so the statement CDK adds for tracing names "*".',
        appliesTo: ['Resource::*'],
      },
    ]);
  }
}
