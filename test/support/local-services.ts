import { inject } from 'vitest';
import type { LocalRuntimeInfo } from '../../infra/local/local-runtime';

/*
 * For integration test files: the local runtime started by test/global-setup.ts, as the global setup provided
 * it. useLocalServices() points this process's SDK clients at it (AWS_ENDPOINT_URL_<SERVICE>, path-style S3,
 * local credentials), so tests use the real SDK clients against the embedded services.
 */

export interface LocalRuntimeConnection extends LocalRuntimeInfo {
  /** Base URL of the runtime's control API (events, invocations, dead letters, idle). */
  controlUrl: string;
  pid: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    finegateLocal: LocalRuntimeConnection;
  }
}

export { waitFor, type WaitForOptions } from './wait-for';

/** The injected runtime connection, with its SDK environment applied to process.env. */
export function useLocalServices(): LocalRuntimeConnection {
  const connection = inject('finegateLocal');
  if (!connection) throw new Error('no local runtime was provided: run this file in the vitest "integration" project');
  for (const key of connection.environment.unset) delete process.env[key];
  Object.assign(process.env, connection.environment.set);
  return connection;
}

/** The value of a stack output of the running template. */
export function stackOutput(connection: LocalRuntimeConnection, key: string): string {
  const value = connection.outputs[key];
  if (value === undefined) throw new Error(`no stack output ${key}; outputs: ${Object.keys(connection.outputs).join(', ')}`);
  return value;
}
