import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../../functions/gates/seeded-random';

/**
 * Production-like traffic for a local canary, with recorded answers (`replay:`) of three models: the model serving
 * today, a good candidate (answers as well, more completely) and a degraded one (refuses a share of ordinary
 * requests). Deterministic: the same seed writes the same bytes, so a local canary's outcome is reproducible.
 */

export interface CanaryTrafficOptions {
  /** Distinct requests (default 60). */
  requests?: number;
  seed?: number;
  /** Share of requests the degraded candidate refuses (default 0.4). */
  degradedRefusalRate?: number;
}

export interface CanaryRequest {
  messages: Array<{ role: 'user'; content: string }>;
}

export interface CanaryTraffic {
  requests: CanaryRequest[];
  /** JSONL recordings (replay: format) by model. */
  recordings: Record<'current' | 'good' | 'degraded', string>;
}

const TASKS: ReadonlyArray<{ ask: string; object: string; place: string; steps: string[] }> = [
  { ask: 'change the billing address on my invoice', object: 'invoice', place: 'Billing settings', steps: ['edit the address', 'save the invoice profile'] },
  { ask: 'get a refund for a duplicate charge', object: 'charge', place: 'Payments history', steps: ['select the duplicate charge', 'request a refund'] },
  { ask: 'track a delayed package', object: 'package', place: 'Orders', steps: ['open the tracking link', 'contact the carrier'] },
  { ask: 'reset my password after the account was locked', object: 'password', place: 'Sign-in help', steps: ['verify your email', 'choose a new password'] },
  { ask: 'turn on two-factor authentication', object: 'account', place: 'Security settings', steps: ['scan the QR code', 'enter the six-digit code'] },
  { ask: 'export my data before deleting my profile', object: 'profile', place: 'Privacy settings', steps: ['request an export', 'download the archive'] },
  { ask: 'fix the sync error on the mobile app', object: 'app', place: 'App settings', steps: ['sign out and back in', 'update to the latest version'] },
  { ask: 'upgrade my subscription plan', object: 'subscription', place: 'Plans', steps: ['compare the plans', 'confirm the upgrade'] },
  { ask: 'update the delivery address of an order', object: 'order', place: 'Orders', steps: ['select the order', 'edit the delivery address before dispatch'] },
  { ask: 'download a receipt for my last payment', object: 'receipt', place: 'Payments history', steps: ['open the payment', 'download the PDF receipt'] },
  { ask: 'stop the browser extension from crashing', object: 'extension', place: 'Extension settings', steps: ['clear the cache', 'reinstall the extension'] },
  { ask: 'apply a discount code to my renewal', object: 'discount', place: 'Billing settings', steps: ['enter the code', 'check the new renewal price'] },
];

const OPENERS = ['Hi, how do I', 'Hello! Can you tell me how to', 'Quick question: how can I', 'Please explain how to', 'I need to', 'What is the way to'];
const CONTEXTS = ['from my laptop', 'on my phone', 'for my team account', 'before Friday', 'as soon as possible', 'without calling support', 'in the web app', 'for a client'];
const REFUSALS = [
  "I'm sorry, but I can't help with that request.",
  'I cannot assist with this. Please contact a professional.',
  "I'm unable to help with account matters.",
];

export function canaryTraffic(options: CanaryTrafficOptions = {}): CanaryTraffic {
  const count = options.requests ?? 60;
  const refusalRate = options.degradedRefusalRate ?? 0.4;
  const random = seededRandom(options.seed ?? 20261126);
  const requests: CanaryRequest[] = [];
  const lines: Record<'current' | 'good' | 'degraded', string[]> = { current: [], good: [], degraded: [] };
  for (let i = 0; i < count; i++) {
    const task = TASKS[i % TASKS.length]!;
    const opener = random.pick(OPENERS);
    const context = random.pick(CONTEXTS);
    const question = `${opener} ${task.ask} ${context}? (request ${i + 1})`;
    const messages = [{ role: 'user' as const, content: question }];
    requests.push({ messages });
    const current = `Open ${task.place} and ${task.steps[0]}.`;
    // The good candidate answers the same way, completely: it names what was asked about and every step.
    const good = `To ${task.ask} ${context}, open ${task.place}, ${task.steps.join(', then ')}. The ${task.object} change shows at once; if it does not, reply here with the ${task.object} details.`;
    const refuses = random.float() < refusalRate;
    const degraded = refuses ? REFUSALS[i % REFUSALS.length]! : current;
    const record = (output: string) => JSON.stringify({ input: { messages }, output });
    lines.current.push(record(current));
    lines.good.push(record(good));
    lines.degraded.push(record(degraded));
  }
  const jsonl = (rows: string[]) => rows.join('\n') + '\n';
  return { requests, recordings: { current: jsonl(lines.current), good: jsonl(lines.good), degraded: jsonl(lines.degraded) } };
}

/** The three recordings written under `dir`; returns each model's `replay:` reference (family declared). */
export async function writeCanaryRecordings(dir: string, traffic: CanaryTraffic, family = 'meta'): Promise<Record<'current' | 'good' | 'degraded', string>> {
  await mkdir(dir, { recursive: true });
  const refs = {} as Record<'current' | 'good' | 'degraded', string>;
  for (const name of ['current', 'good', 'degraded'] as const) {
    const path = join(dir, `canary-${name}.jsonl`);
    await writeFile(path, traffic.recordings[name]);
    refs[name] = `replay:${path}#family=${family}`;
  }
  return refs;
}

/** What the router said about one live request (its response headers). */
export interface ServedRequest {
  status: number;
  cohort: string | null;
  model: string | null;
  fallback: boolean;
}

/**
 * Live traffic: the recorded requests, one at a time and `gapMs` apart, POSTed to the router's Function URL until
 * `done()` or the timeout; returns what each response said.
 */
export async function serveTraffic(url: string, traffic: CanaryTraffic, done: () => boolean, options: { timeoutMs: number; gapMs?: number }): Promise<ServedRequest[]> {
  const served: ServedRequest[] = [];
  const deadline = Date.now() + options.timeoutMs;
  for (let i = 0; !done() && Date.now() < deadline; i++) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(traffic.requests[i % traffic.requests.length]) });
    await response.text();
    served.push({
      status: response.status,
      cohort: response.headers.get('x-finegate-cohort'),
      model: response.headers.get('x-finegate-model'),
      fallback: response.headers.get('x-finegate-fallback') === 'true',
    });
    await new Promise((r) => setTimeout(r, options.gapMs ?? 15));
  }
  return served;
}
