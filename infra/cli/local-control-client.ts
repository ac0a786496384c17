import type { PublishedEventRecord } from '../local/event-router';
import type { LocalRuntimeInfo } from '../local/local-runtime';

/**
 * The CLI's client of the local runtime's control API (infra/local/serve.ts, under /_finegate/): what it needs to
 * check the runtime answers and to read the events it carried.
 */
export class LocalControlClient {
  constructor(
    readonly controlUrl: string,
    private readonly requestTimeoutMs = 10_000,
  ) {}

  info(timeoutMs = this.requestTimeoutMs): Promise<LocalRuntimeInfo> {
    return this.get('info', {}, timeoutMs);
  }

  /** Whether the control API answers within the timeout. */
  async answers(timeoutMs = 2_000): Promise<boolean> {
    try {
      await this.info(timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  /** Published events, oldest first; `since` is a sequence number: only later events are returned. */
  events(options: { since?: number; bus?: string } = {}): Promise<PublishedEventRecord[]> {
    return this.get('events', { since: options.since, bus: options.bus });
  }

  private async get<T>(route: string, query: Record<string, string | number | undefined>, timeoutMs = this.requestTimeoutMs): Promise<T> {
    const url = new URL(`${this.controlUrl}/${route}`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`local runtime control API: GET ${route} answered ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
}
