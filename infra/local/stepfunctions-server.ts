import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { AwsJsonError, listenLocal, parseJsonBody, readBody, sendAwsJson, sendAwsJsonError } from './aws-json-protocol';
import type { ExecutionRecord, LocalStepFunctions } from './stepfunctions-executions';

/*
 * The Step Functions API over its real wire protocol (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Operation>`),
 * so that the unmodified @aws-sdk/client-sfn client reaches the local executions via AWS_ENDPOINT_URL_SFN:
 * StartExecution, DescribeExecution, ListExecutions and StopExecution. Timestamps travel as epoch seconds;
 * errors as `{__type, message}` with the x-amzn-errortype header, which the SDK turns into its typed exceptions
 * (ExecutionAlreadyExists, ExecutionDoesNotExist, StateMachineDoesNotExist, InvalidName…).
 */

export interface LocalStepFunctionsServer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export interface StartStepFunctionsServerOptions {
  service: LocalStepFunctions;
  host?: string;
  port?: number;
}

const TARGET_PREFIX = 'AWSStepFunctions.';
const JSON_10 = 'application/x-amz-json-1.0';
const MAX_REQUEST_BYTES = 1024 * 1024;

export async function startStepFunctionsServer(options: StartStepFunctionsServerOptions): Promise<LocalStepFunctionsServer> {
  const host = options.host ?? '127.0.0.1';
  const { service } = options;

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    StartExecution: (input) => {
      const started = service.startExecution({
        ...optionalString(input, 'stateMachineArn'),
        ...optionalString(input, 'name'),
        ...optionalString(input, 'input'),
      });
      return { executionArn: started.executionArn, startDate: epochSeconds(started.startDate) };
    },
    DescribeExecution: (input) => describe(service.describeExecution(stringField(input, 'executionArn'))),
    ListExecutions: (input) => {
      if (input.mapRunArn !== undefined) throw new AwsJsonError('ValidationException', 'mapRunArn is not supported locally (no distributed maps)');
      const listed = service.listExecutions({
        ...optionalString(input, 'stateMachineArn'),
        ...optionalString(input, 'statusFilter'),
        ...optionalString(input, 'nextToken'),
        ...(typeof input.maxResults === 'number' ? { maxResults: input.maxResults } : {}),
      });
      return { executions: listed.executions.map(listItem), ...(listed.nextToken ? { nextToken: listed.nextToken } : {}) };
    },
    StopExecution: (input) => {
      const stopped = service.stopExecution({
        ...optionalString(input, 'executionArn'),
        ...optionalString(input, 'error'),
        ...optionalString(input, 'cause'),
      });
      return { stopDate: epochSeconds(stopped.stopDate) };
    },
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendAwsJsonError(res, JSON_10, error instanceof AwsJsonError ? error : new AwsJsonError('InternalFailure', String(error), 500));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.headers['x-amz-target'];
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
      throw new AwsJsonError('UnknownOperationException', `expected a POST with X-Amz-Target ${TARGET_PREFIX}<Operation>`, 404);
    }
    const operation = operations[target.slice(TARGET_PREFIX.length)];
    if (!operation) throw new AwsJsonError('UnknownOperationException', `Operation ${target} is not supported here`);
    sendAwsJson(res, JSON_10, 200, operation(parseJson(body)));
  }

  return listenLocal(server, host, options.port ?? 0);
}

function describe(record: ExecutionRecord): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    ...(record.stopDate ? { stopDate: epochSeconds(record.stopDate) } : {}),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output !== undefined ? { output: record.output, outputDetails: { included: true } } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
    redriveCount: 0,
    redriveStatus: 'NOT_REDRIVABLE',
  };
}

function listItem(record: ExecutionRecord): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    ...(record.stopDate ? { stopDate: epochSeconds(record.stopDate) } : {}),
    redriveCount: 0,
  };
}

/** AWS JSON protocols carry timestamps as (fractional) epoch seconds. */
function epochSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

function stringField(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsJsonError('SerializationException', `${field} must be a string`);
  return value;
}

function optionalString(input: Record<string, unknown>, field: string): Record<string, string> {
  const value = stringField(input, field);
  return value === undefined ? {} : { [field]: value };
}

function parseJson(body: string): Record<string, unknown> {
  const parsed = parseJsonBody(body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsJsonError('SerializationException', 'the request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}



