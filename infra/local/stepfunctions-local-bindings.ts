/*
 * How a state machine definition runs in aws-local-stepfunctions instead of Step Functions:
 * - every Task state is bound (by state name, the interpreter's only key) to a local handler, so that no Task
 *   ever reaches the interpreter's built-in call to the real Lambda service;
 * - Retry intervals and Wait durations are scaled down, as the event router scales EventBridge's backoff;
 * - two places where the interpreter and Step Functions disagree are written the way the interpreter
 *   understands them with the same meaning: `ResultPath: "$"` (the interpreter would write a key named "$")
 *   is left out, which means the same, and a Task without TimeoutSeconds gets Step Functions' practical
 *   "no timeout" instead of the interpreter's 60 seconds.
 */

export interface TaskStateBinding {
  stateName: string;
  resource: string;
}

/** A Task's effective input (after InputPath and Parameters) in, its result out. */
export type LocalTaskHandler = (input: unknown) => Promise<unknown>;

export interface DelayScaling {
  /** Multiplies Step Functions' delays (IntervalSeconds, Wait seconds). */
  scale: number;
  /** Upper bound of a scaled delay, and the delay of a Wait whose duration is only known at run time. */
  maxMs: number;
  /** The delay of a Wait whose duration is only known at run time (SecondsPath, TimestampPath), over maxMs. */
  runtimeWaitMs?: number;
}

export const DEFAULT_DELAY_SCALING: DelayScaling = { scale: 0.005, maxMs: 200 };

export interface LocalRunPlan {
  /** The definition as the interpreter should run it (a modified deep copy). */
  definition: Record<string, unknown>;
  tasks: TaskStateBinding[];
  retryIntervalOverrides: Record<string, number[]>;
  waitTimeOverrides: Record<string, number>;
}

/** The longest timer Node keeps (2^31 - 1 ms) bounds the stand-in for "no timeout". */
const NO_TASK_TIMEOUT_SECONDS = 2_000_000;

/** A definition the local interpreter cannot run faithfully. */
export class UnsupportedDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedDefinitionError';
  }
}

/** Walks every state, including those of Parallel branches and Map item processors. */
export function planLocalRun(source: Record<string, unknown>, scaling: DelayScaling = DEFAULT_DELAY_SCALING): LocalRunPlan {
  const definition = structuredClone(source);
  const tasks = new Map<string, TaskStateBinding>();
  const retryIntervalOverrides: Record<string, number[]> = {};
  const waitTimeOverrides: Record<string, number> = {};
  const scaled = (seconds: number) => Math.min(scaling.maxMs, Math.max(0, Math.round(seconds * 1000 * scaling.scale)));
  const seen = new Set<string>();

  if (isJsonata(definition.QueryLanguage)) {
    throw new UnsupportedDefinitionError('QueryLanguage JSONata is not supported by the local interpreter; use JSONPath');
  }

  const visit = (machine: Record<string, unknown>, where: string) => {
    const states = machine.States;
    if (typeof states !== 'object' || states === null) throw new UnsupportedDefinitionError(`${where} has no States`);
    for (const [name, raw] of Object.entries(states as Record<string, Record<string, unknown>>)) {
      // The interpreter keys overrides by state name alone; Step Functions requires names unique machine-wide too.
      if (seen.has(name)) throw new UnsupportedDefinitionError(`state name "${name}" is used more than once`);
      seen.add(name);
      const state = raw;
      if (isJsonata(state.QueryLanguage)) {
        throw new UnsupportedDefinitionError(`state "${name}" uses JSONata, which the local interpreter does not support`);
      }
      dropRootResultPath(state);
      for (const catcher of (state.Catch as Array<Record<string, unknown>> | undefined) ?? []) dropRootResultPath(catcher);
      const retry = state.Retry as Array<{ IntervalSeconds?: number }> | undefined;
      if (retry && retry.length > 0) retryIntervalOverrides[name] = retry.map((r) => scaled(r.IntervalSeconds ?? 1));

      switch (state.Type) {
        case 'Task': {
          if (typeof state.Resource !== 'string') throw new UnsupportedDefinitionError(`Task "${name}" has no Resource`);
          tasks.set(name, { stateName: name, resource: state.Resource });
          if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
            state.TimeoutSeconds = NO_TASK_TIMEOUT_SECONDS;
          }
          break;
        }
        case 'Wait':
          waitTimeOverrides[name] = typeof state.Seconds === 'number' ? scaled(state.Seconds) : (scaling.runtimeWaitMs ?? scaling.maxMs);
          break;
        case 'Parallel':
          ((state.Branches as Array<Record<string, unknown>> | undefined) ?? []).forEach((branch, i) => visit(branch, `${name}.Branches[${i}]`));
          break;
        case 'Map': {
          if (state.ItemReader !== undefined || state.ResultWriter !== undefined) {
            throw new UnsupportedDefinitionError(`Map "${name}" is a distributed map (ItemReader/ResultWriter), which runs only in AWS`);
          }
          const processor = (state.ItemProcessor ?? state.Iterator) as Record<string, unknown> | undefined;
          if (!processor) throw new UnsupportedDefinitionError(`Map "${name}" has no ItemProcessor`);
          const mode = (processor.ProcessorConfig as { Mode?: string } | undefined)?.Mode;
          if (mode !== undefined && mode !== 'INLINE') {
            throw new UnsupportedDefinitionError(`Map "${name}" runs in ${mode} mode; only INLINE runs locally`);
          }
          visit(processor, `${name}.ItemProcessor`);
          break;
        }
      }
    }
  };
  visit(definition, 'the definition');
  return { definition, tasks: [...tasks.values()], retryIntervalOverrides, waitTimeOverrides };
}

function isJsonata(value: unknown): boolean {
  return typeof value === 'string' && value.toLowerCase() === 'jsonata';
}

function dropRootResultPath(node: Record<string, unknown>): void {
  if (node.ResultPath === '$') delete node.ResultPath;
}

/** The resource names Step Functions' optimized Lambda integration uses. */
export const LAMBDA_INVOKE_RESOURCE = /^arn:[^:]+:states:::lambda:invoke$/;
/** A Lambda function ARN, optionally with a version or alias qualifier. */
export const LAMBDA_FUNCTION_ARN = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(:[^:]+)?$/;
