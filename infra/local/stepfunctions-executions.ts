import { randomUUID } from 'node:crypto';
import { ExecutionAbortedError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { AwsJsonError } from './aws-json-protocol';
import type { InvocationOutcome } from './lambda-invoker';
import {
  DEFAULT_DELAY_SCALING,
  LAMBDA_FUNCTION_ARN,
  LAMBDA_INVOKE_RESOURCE,
  planLocalRun,
  type DelayScaling,
  type LocalRunPlan,
  type LocalTaskHandler,
  type TaskStateBinding,
} from './stepfunctions-local-bindings';
import type { FunctionModel, StateMachineModel, TemplateModel } from './template-model';

/*
 * The Step Functions executions of the local runtime: the template's state machines run in
 * aws-local-stepfunctions, their Lambda tasks call the template's functions in this process, and each execution
 * is kept with its status, input, output, error and history, as DescribeExecution and ListExecutions report them.
 * StartExecution behaves as it does for STANDARD workflows: a name is unique per state machine; the same name
 * and input while the execution runs returns that execution; a different input, or any input once it has
 * closed, is ExecutionAlreadyExists. One difference of the interpreter stays: inside a Map iteration or Parallel
 * branch, `$$.Execution.Input` reads that iteration's or branch's input, not the execution's.
 */

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One entry of an execution's history, from the interpreter's event log. */
export interface ExecutionHistoryEvent {
  id: number;
  timestamp: string;
  type: string;
  stateName?: string;
  stateType?: string;
  /** Map iteration index. */
  index?: number;
  /** The Map or Parallel state an iteration or branch event belongs to. */
  parentState?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  retryAttempt?: number;
}

/** A Lambda invocation a Task state made. */
export interface TaskInvocationRecord {
  stateName: string;
  functionName: string;
  functionLogicalId: string;
  requestId: string;
  startedAt: string;
  durationMs: number;
  outcome: InvocationOutcome['outcome'];
  /** What the function received and returned (both within Step Functions' 256 KB payload limit). */
  payload: unknown;
  result?: unknown;
  errorType?: string;
  errorMessage?: string;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  stateMachineName: string;
  name: string;
  status: ExecutionStatus;
  /** JSON text, as StartExecution received it. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: string;
  stopDate?: string;
  history: ExecutionHistoryEvent[];
  invocations: TaskInvocationRecord[];
}

export interface LocalStepFunctionsOptions {
  model: Pick<TemplateModel, 'stateMachines' | 'functions' | 'environment'>;
  /** Runs one Lambda invocation. Callers serialise invocations whose environments could overlap. */
  invoke(fn: FunctionModel, payload: unknown): Promise<InvocationOutcome>;
  /** Retry intervals and Wait durations, scaled down from Step Functions'. */
  delays?: DelayScaling;
  /** Called when a STANDARD execution starts and when it closes, as Step Functions emits status-change events. */
  onStatusChange?: (record: ExecutionRecord) => void;
  /**
   * Runs an AWS SDK service integration (`arn:aws:states:::aws-sdk:<service>:<action>`) against a local service;
   * undefined when the runtime has none for that service (the task then fails as unsupported).
   */
  awsSdk?: (service: string, action: string, parameters: Record<string, unknown>) => Promise<unknown> | undefined;
  log?: (line: string) => void;
}

/** The optimized Step Functions StartExecution integration (request-response only). */
const START_EXECUTION_RESOURCE = /^arn:[^:]+:states:::states:startExecution$/;
/** An AWS SDK service integration. */
const AWS_SDK_RESOURCE = /^arn:[^:]+:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)$/;

export interface StartExecutionInput {
  stateMachineArn?: string;
  name?: string;
  input?: string;
}

export interface ListExecutionsInput {
  stateMachineArn?: string;
  statusFilter?: string;
  maxResults?: number;
  nextToken?: string;
}

const MAX_PAYLOAD_BYTES = 256 * 1024;
const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

interface Running {
  record: ExecutionRecord;
  abort(): void;
  done: Promise<void>;
}

interface Prepared {
  plan?: LocalRunPlan;
  machine?: StateMachine;
  error?: string;
}

export class LocalStepFunctions {
  private readonly records: ExecutionRecord[] = [];
  private readonly byArn = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, Running>();
  private readonly prepared = new Map<string, Prepared>();
  private readonly machinesByArn: Map<string, StateMachineModel>;
  private readonly functionsByArn: Map<string, FunctionModel>;
  private readonly functionsByName: Map<string, FunctionModel>;
  private readonly delays: DelayScaling;
  private readonly log: (line: string) => void;
  private waiters = new Set<() => void>();
  private stopped = false;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.machinesByArn = new Map(options.model.stateMachines.map((m) => [m.arn, m]));
    this.functionsByArn = new Map(options.model.functions.map((f) => [f.arn, f]));
    this.functionsByName = new Map(options.model.functions.map((f) => [f.name, f]));
    this.delays = options.delays ?? DEFAULT_DELAY_SCALING;
    this.log = options.log ?? (() => {});
  }

  // --- the API operations ------------------------------------------------------------------------------

  startExecution(request: StartExecutionInput): { executionArn: string; startDate: string } {
    if (this.stopped) throw new AwsJsonError('ServiceUnavailable', 'the local runtime is stopping', 503);
    const machineArn = requireString(request.stateMachineArn, 'stateMachineArn');
    const machine = this.machinesByArn.get(machineArn);
    if (!machine) {
      if (!/^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(machineArn)) {
        throw new AwsJsonError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${machineArn}'`);
      }
      throw new AwsJsonError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${machineArn}'`);
    }
    const name = request.name ?? randomUUID();
    checkExecutionName(name);
    const input = request.input ?? '{}';
    if (Buffer.byteLength(input, 'utf8') > MAX_PAYLOAD_BYTES) {
      throw new AwsJsonError(
        'ValidationException',
        `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch (error) {
      throw new AwsJsonError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${error instanceof Error ? error.message : String(error)}'`);
    }

    const express = machine.type === 'EXPRESS';
    const executionArn = express
      ? `${machine.arn.replace(':stateMachine:', ':express:')}:${name}:${randomUUID()}`
      : `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.byArn.get(executionArn);
    if (existing) {
      // STANDARD only: EXPRESS execution ARNs are unique per start.
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: existing.startDate };
      throw new AwsJsonError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }

    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.arn,
      stateMachineName: machine.name,
      name,
      status: 'RUNNING',
      input,
      startDate: new Date().toISOString(),
      history: [],
      invocations: [],
    };
    this.records.push(record);
    this.byArn.set(executionArn, record);
    this.emit(machine.type, record);
    this.run(machine, record, parsed);
    return { executionArn, startDate: record.startDate };
  }

  describeExecution(executionArn: string | undefined): ExecutionRecord {
    return this.requireExecution(requireString(executionArn, 'executionArn'));
  }

  listExecutions(request: ListExecutionsInput): { executions: ExecutionRecord[]; nextToken?: string } {
    const machineArn = requireString(request.stateMachineArn, 'stateMachineArn');
    if (!this.machinesByArn.has(machineArn)) {
      throw new AwsJsonError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${machineArn}'`);
    }
    if (request.statusFilter !== undefined && !STATUSES.includes(request.statusFilter as ExecutionStatus)) {
      throw new AwsJsonError('ValidationException', `1 validation error detected: Value '${request.statusFilter}' at 'statusFilter' failed to satisfy constraint`);
    }
    const maxResults = request.maxResults === undefined || request.maxResults === 0 ? 100 : request.maxResults;
    if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 1000) {
      throw new AwsJsonError('ValidationException', '1 validation error detected: maxResults must be between 0 and 1000');
    }
    const offset = request.nextToken === undefined ? 0 : decodeToken(request.nextToken);
    // Newest first, as Step Functions lists them.
    const matching = this.records
      .filter((r) => r.stateMachineArn === machineArn && (request.statusFilter === undefined || r.status === request.statusFilter))
      .reverse();
    const page = matching.slice(offset, offset + maxResults);
    const next = offset + maxResults < matching.length ? encodeToken(offset + maxResults) : undefined;
    return { executions: page, ...(next ? { nextToken: next } : {}) };
  }

  /** Aborts a running execution. Stopping one that has already closed changes nothing. */
  stopExecution(request: { executionArn?: string; error?: string; cause?: string }): { stopDate: string } {
    const record = this.requireExecution(requireString(request.executionArn, 'executionArn'));
    const running = this.running.get(record.executionArn);
    if (running) {
      this.close(record, 'ABORTED', { error: request.error, cause: request.cause });
      running.abort();
    }
    return { stopDate: record.stopDate ?? new Date().toISOString() };
  }

  // --- for the runtime and tests -----------------------------------------------------------------------

  executions(): readonly ExecutionRecord[] {
    return this.records;
  }

  /** Executions by ARN, or by name (the most recent one of that name, across state machines). */
  find(nameOrArn: string): ExecutionRecord | undefined {
    return this.byArn.get(nameOrArn) ?? [...this.records].reverse().find((r) => r.name === nameOrArn);
  }

  /** Resolves with the execution once it has closed, waiting for it to be started if need be. */
  waitForExecution(nameOrArn: string, options: { timeoutMs?: number } = {}): Promise<ExecutionRecord> {
    const closed = () => {
      const record = this.find(nameOrArn);
      return record && record.status !== 'RUNNING' ? record : undefined;
    };
    return this.waitUntil(closed, options.timeoutMs ?? 60_000, () => {
      const record = this.find(nameOrArn);
      return record ? `execution ${nameOrArn} is still ${record.status}` : `no execution named ${nameOrArn} was started`;
    });
  }

  /** Resolves once no execution is running. */
  async waitForIdle(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.waitUntil(() => this.running.size === 0 || undefined, options.timeoutMs ?? 60_000, () => `${this.running.size} executions still running`);
  }

  runningCount(): number {
    return this.running.size;
  }

  /** Aborts every running execution. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running = [...this.running.values()];
    for (const execution of running) {
      this.close(execution.record, 'ABORTED', { error: 'States.Aborted', cause: 'the local runtime stopped' });
      execution.abort();
    }
    await Promise.allSettled(running.map((execution) => execution.done));
  }

  // --- running an execution ----------------------------------------------------------------------------

  private run(machine: StateMachineModel, record: ExecutionRecord, input: unknown): void {
    const prepared = this.prepare(machine);
    if (!prepared.machine || !prepared.plan) {
      // Step Functions would have refused the definition at deploy time; locally its executions fail.
      this.close(record, 'FAILED', { error: 'States.Runtime', cause: `the definition cannot run locally: ${prepared.error}` });
      return;
    }
    const handlers: Record<string, LocalTaskHandler> = {};
    for (const task of prepared.plan.tasks) handlers[task.stateName] = this.taskHandler(task, record);

    const execution = prepared.machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        retryIntervalOverrides: prepared.plan.retryIntervalOverrides,
        waitTimeOverrides: prepared.plan.waitTimeOverrides,
      },
      context: {
        Execution: { Id: record.executionArn, Name: record.name, RoleArn: machine.roleArn ?? '', StartTime: record.startDate, RedriveCount: 0 },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });

    // The interpreter closes its event log with the execution; the bound only guards against a log left open.
    const collected = this.collectHistory(record, execution.eventLogs);
    const logged = Promise.race([collected, new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref())]);
    const done = execution.result.then(
      async (output) => {
        await logged;
        this.close(record, 'SUCCEEDED', { output: JSON.stringify(output ?? null) });
      },
      async (error: unknown) => {
        await logged;
        if (error instanceof ExecutionAbortedError) return; // closed by stopExecution or stop()
        if (error instanceof ExecutionTimeoutError) {
          this.close(record, 'TIMED_OUT', { error: 'States.Timeout', cause: 'The execution timed out (TimeoutSeconds of the state machine)' });
          return;
        }
        const cause = (error as { cause?: unknown }).cause;
        const failure = cause instanceof Error ? cause : error instanceof Error ? error : new Error(String(error));
        this.close(record, 'FAILED', { error: failure.name, cause: failure.message });
      },
    );
    this.running.set(record.executionArn, { record, abort: execution.abort, done });
    void done.finally(() => {
      this.running.delete(record.executionArn);
      this.notify();
    });
  }

  private prepare(machine: StateMachineModel): Prepared {
    const cached = this.prepared.get(machine.arn);
    if (cached) return cached;
    let prepared: Prepared;
    if (!machine.definition) {
      prepared = { error: machine.definitionError ?? 'no definition' };
    } else {
      try {
        const plan = planLocalRun(machine.definition, this.delays);
        // Validated once here (asl-validator), as Step Functions validates on create.
        const sm = new StateMachine(plan.definition as unknown as StateMachineDefinition);
        prepared = { plan, machine: sm };
      } catch (error) {
        prepared = { error: error instanceof Error ? error.message : String(error) };
      }
    }
    if (prepared.error) this.log(`state machine ${machine.name}: ${prepared.error}`);
    this.prepared.set(machine.arn, prepared);
    return prepared;
  }

  /** The local stand-in for a Task's resource: a Lambda function of the template, called in this process. */
  private taskHandler(task: TaskStateBinding, record: ExecutionRecord): LocalTaskHandler {
    if (START_EXECUTION_RESOURCE.test(task.resource)) return (input) => this.startExecutionTask(input);
    const sdk = AWS_SDK_RESOURCE.exec(task.resource);
    if (sdk) return (input) => this.awsSdkTask(task, sdk[1]!, sdk[2]!, input);
    const integration = LAMBDA_INVOKE_RESOURCE.test(task.resource);
    if (!integration && !LAMBDA_FUNCTION_ARN.test(task.resource)) {
      return async () => {
        throw new LocalTaskError('States.Runtime', `Task "${task.stateName}": resource ${task.resource} is not supported by the local runtime (Lambda only)`, false);
      };
    }
    return async (input) => {
      const target = integration ? (input as { FunctionName?: unknown } | null)?.FunctionName : task.resource;
      const payload = integration ? ((input as { Payload?: unknown }).Payload ?? null) : input;
      const fn = typeof target === 'string' ? this.functionFor(target) : undefined;
      if (!fn) {
        throw new LocalTaskError('Lambda.ResourceNotFoundException', `Function not found: ${String(target)} (not a function of the template)`);
      }
      const startedAt = new Date().toISOString();
      const outcome = await this.options.invoke(fn, payload);
      record.invocations.push({
        stateName: task.stateName,
        functionName: fn.name,
        functionLogicalId: fn.logicalId,
        requestId: outcome.requestId,
        startedAt,
        durationMs: outcome.durationMs,
        outcome: outcome.outcome,
        payload,
        ...(outcome.outcome === 'success'
          ? { result: outcome.result ?? null }
          : { errorType: outcome.error.errorType, errorMessage: outcome.error.errorMessage }),
      });
      if (outcome.outcome !== 'success') {
        const { errorType, errorMessage, stackTrace } = outcome.error;
        // Step Functions names the error by the function's errorType; the cause is the function's error payload.
        const trace = [`${errorType}: ${errorMessage}`, ...(stackTrace ?? [])];
        throw new LocalTaskError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
      }
      const result = outcome.result === undefined ? null : outcome.result;
      if (Buffer.byteLength(JSON.stringify(result), 'utf8') > MAX_PAYLOAD_BYTES) {
        throw new LocalTaskError(
          'States.DataLimitExceeded',
          `The state/task '${task.stateName}' returned a result with a size exceeding the maximum number of bytes service limit.`,
          false,
        );
      }
      if (!integration) return result;
      return {
        ExecutedVersion: '$LATEST',
        Payload: result,
        SdkHttpMetadata: { HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: outcome.requestId },
        StatusCode: 200,
      };
    };
  }

  /** states:startExecution as Step Functions runs it: the child starts, the task returns its ARN and start date. */
  private async startExecutionTask(input: unknown): Promise<unknown> {
    const request = (input ?? {}) as { StateMachineArn?: unknown; Name?: unknown; Input?: unknown };
    try {
      const started = this.startExecution({
        stateMachineArn: typeof request.StateMachineArn === 'string' ? request.StateMachineArn : undefined,
        ...(typeof request.Name === 'string' ? { name: request.Name } : {}),
        ...(request.Input === undefined ? {} : { input: typeof request.Input === 'string' ? request.Input : JSON.stringify(request.Input) }),
      } as StartExecutionInput);
      // The response as Step Functions returns it to the task: the SDK's members, dates in epoch milliseconds.
      return { ExecutionArn: started.executionArn, StartDate: Date.parse(started.startDate) };
    } catch (error) {
      if (error instanceof AwsJsonError) {
        const name = error.type === 'ExecutionAlreadyExists' ? 'StepFunctions.ExecutionAlreadyExistsException' : `StepFunctions.${error.type}Exception`.replace(/ExceptionException$/, 'Exception');
        throw new LocalTaskError(name, error.message);
      }
      throw error;
    }
  }

  /** An AWS SDK integration: errors are named `<Service>.<ErrorCode>`, as Step Functions names them. */
  private async awsSdkTask(task: TaskStateBinding, service: string, action: string, input: unknown): Promise<unknown> {
    const call = this.options.awsSdk?.(service, action, (input ?? {}) as Record<string, unknown>);
    if (call === undefined) {
      throw new LocalTaskError('States.Runtime', `Task "${task.stateName}": ${service}:${action} has no local implementation`, false);
    }
    try {
      return await call;
    } catch (error) {
      const code = error instanceof AwsJsonError ? error.type : error instanceof Error ? error.name : 'Error';
      const serviceName = service.charAt(0).toUpperCase() + service.slice(1);
      throw new LocalTaskError(`${serviceName}.${code}`, error instanceof Error ? error.message : String(error));
    }
  }

  /** A function named by ARN (with or without qualifier), by name, or by partial ARN (account:function:name). */
  private functionFor(target: string): FunctionModel | undefined {
    const unqualified = target.split(':').slice(0, 7).join(':');
    const name = /(?:^|:)function:([^:]+)/.exec(target)?.[1] ?? target.split(':')[0]!;
    return this.functionsByArn.get(target) ?? this.functionsByArn.get(unqualified) ?? this.functionsByName.get(name);
  }

  private async collectHistory(record: ExecutionRecord, events: AsyncGenerator<Record<string, any>>): Promise<void> {
    try {
      for await (const event of events) {
        const state = event.state as { name?: string; type?: string; input?: unknown; output?: unknown } | undefined;
        record.history.push({
          id: record.history.length + 1,
          timestamp: new Date(event.timestamp as number).toISOString(),
          type: String(event.type),
          ...(state?.name !== undefined ? { stateName: state.name, stateType: state.type } : {}),
          ...(typeof event.index === 'number' ? { index: event.index } : {}),
          ...(event.parentState?.name !== undefined ? { parentState: event.parentState.name as string } : {}),
          ...(event.input !== undefined ? { input: event.input } : state && 'input' in state ? { input: state.input } : {}),
          ...(event.output !== undefined ? { output: event.output } : state?.output !== undefined ? { output: state.output } : {}),
          ...(event.Error !== undefined ? { error: String(event.Error) } : {}),
          ...(event.Cause !== undefined ? { cause: typeof event.Cause === 'string' ? event.Cause : describeCause(event.Cause) } : {}),
          ...(event.retry?.attempt !== undefined ? { retryAttempt: event.retry.attempt as number } : {}),
        });
      }
    } catch (error) {
      this.log(`execution ${record.name}: history incomplete: ${String(error)}`);
    }
  }

  private close(
    record: ExecutionRecord,
    status: Exclude<ExecutionStatus, 'RUNNING'>,
    details: { output?: string; error?: string | undefined; cause?: string | undefined },
  ): void {
    if (record.status !== 'RUNNING') return;
    record.status = status;
    record.stopDate = new Date().toISOString();
    if (details.output !== undefined) record.output = details.output;
    if (details.error !== undefined) record.error = details.error;
    if (details.cause !== undefined) record.cause = details.cause;
    this.log(`execution ${record.name} of ${record.stateMachineName}: ${status}${record.error ? ` (${record.error})` : ''}`);
    this.emit(this.machinesByArn.get(record.stateMachineArn)?.type, record);
    this.notify();
  }

  private emit(type: StateMachineModel['type'] | undefined, record: ExecutionRecord): void {
    if (type !== 'STANDARD' || !this.options.onStatusChange) return;
    try {
      this.options.onStatusChange({ ...record, history: [], invocations: [] });
    } catch (error) {
      this.log(`status change of ${record.name} not delivered: ${String(error)}`);
    }
  }

  private requireExecution(executionArn: string): ExecutionRecord {
    const record = this.byArn.get(executionArn);
    if (record) return record;
    if (!/^arn:[^:]+:states:[^:]*:[^:]*:(execution|express):[^:]+:[^:]+(:[^:]+)?$/.test(executionArn)) {
      throw new AwsJsonError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${executionArn}'`);
    }
    throw new AwsJsonError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
  }

  private waitUntil<T>(check: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const waiter = () => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${describe()} after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** A Task failure as the interpreter matches it in Retry and Catch: by name, retryable and catchable or not. */
export class LocalTaskError extends Error {
  readonly isRetryable: boolean;
  readonly isCatchable: boolean;

  constructor(name: string, message: string, recoverable = true) {
    super(message);
    this.name = name;
    this.isRetryable = recoverable;
    this.isCatchable = recoverable;
  }
}

/** Step Functions' execution name rules: 1–80 characters, none of whitespace, brackets, wildcards, specials, controls. */
export function checkExecutionName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (name.length < 1 || name.length > 80 || /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/.test(name)) {
    throw new AwsJsonError('InvalidName', `Invalid Name: '${name}'`);
  }
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new AwsJsonError('ValidationException', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

function decodeToken(token: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Answered below.
  }
  throw new AwsJsonError('InvalidToken', `Invalid Token: '${token}'`);
}
