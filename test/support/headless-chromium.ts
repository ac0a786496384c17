import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * A small Chrome DevTools Protocol driver for browser tests, with no package beyond Node's own WebSocket: launches
 * headless Chromium on a free debugging port (read back from its "DevTools listening on ws://…" line), opens a page
 * in its own target session, records what the page requested, logged as an error or threw, and evaluates
 * expressions in it.
 */

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * The Chromium to drive: CHROMIUM_PATH when set (taken as given: a wrong path fails the launch, it does not skip),
 * else the Debian/Ubuntu binaries; undefined when there is none.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
  return CANDIDATES.find((path) => existsSync(path));
}

export const CHROMIUM_SEARCHED = ['$CHROMIUM_PATH', ...CANDIDATES].join(', ');

interface Pending {
  resolve: (value: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  method: string;
}

type Listener = (params: Record<string, unknown>, sessionId: string | undefined) => void;

/** One DevTools connection: commands answered by id, events dispatched by method. */
class CdpConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<Listener>>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (message) => this.receive(String(message.data)));
    socket.addEventListener('close', () => {
      for (const p of this.pending.values()) p.reject(new Error(`DevTools connection closed before ${p.method} answered`));
      this.pending.clear();
    });
  }

  static open(url: string, timeoutMs: number): Promise<CdpConnection> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const timer = setTimeout(() => reject(new Error(`no DevTools connection to ${url} within ${timeoutMs} ms`)), timeoutMs);
      socket.addEventListener('open', () => (clearTimeout(timer), resolve(new CdpConnection(socket))), { once: true });
      socket.addEventListener('error', () => (clearTimeout(timer), reject(new Error(`DevTools connection to ${url} failed`))), { once: true });
    });
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  on(method: string, listener: Listener): () => void {
    const set = this.listeners.get(method) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(method, set);
    return () => set.delete(listener);
  }

  close(): void {
    this.socket.close();
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string }; sessionId?: string };
    if (message.id !== undefined) {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (message.error) pending.reject(new Error(`${pending.method}: ${message.error.message}`));
      else pending.resolve(message.result ?? {});
      return;
    }
    if (message.method) for (const listener of this.listeners.get(message.method) ?? []) listener(message.params ?? {}, message.sessionId);
  }
}

export interface OpenOptions {
  /** How long to wait for the load event. @default 10000 */
  timeoutMs?: number;
}

/** A page in its own target: what it requested and reported while loading and since, and evaluation in it. */
export class ChromiumPage {
  /** URLs of every request the page made, the document itself included, in order. */
  readonly requests: string[] = [];
  /** console.error / console.assert messages, uncaught exceptions and browser log errors (failed loads…). */
  readonly errors: string[] = [];
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly cdp: CdpConnection,
    private readonly sessionId: string,
    private readonly targetId: string,
  ) {
    const mine = (listener: (params: Record<string, unknown>) => void): Listener => (params, session) => {
      if (session === sessionId) listener(params);
    };
    this.unsubscribe.push(
      cdp.on('Network.requestWillBeSent', mine((p) => this.requests.push(String((p.request as { url?: unknown }).url)))),
      cdp.on('Runtime.consoleAPICalled', mine((p) => {
        if (p.type === 'error' || p.type === 'assert') this.errors.push(`console.${String(p.type)}: ${((p.args as { value?: unknown; description?: string }[]) ?? []).map((a) => a.description ?? String(a.value)).join(' ')}`);
      })),
      cdp.on('Runtime.exceptionThrown', mine((p) => {
        const d = p.exceptionDetails as { text?: string; exception?: { description?: string } };
        this.errors.push(`exception: ${d.exception?.description ?? d.text ?? 'unknown'}`);
      })),
      cdp.on('Log.entryAdded', mine((p) => {
        const entry = p.entry as { level?: string; text?: string; url?: string };
        if (entry.level === 'error') this.errors.push(`log: ${entry.text ?? ''}${entry.url ? ` (${entry.url})` : ''}`);
      })),
    );
  }

  async navigate(url: string, options: OpenOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    let stop: () => void = () => undefined;
    const loaded = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${url} did not load within ${timeoutMs} ms`)), timeoutMs);
      const off = this.cdp.on('Page.loadEventFired', (_, session) => {
        if (session === this.sessionId) (clearTimeout(timer), off(), resolve());
      });
      stop = () => (clearTimeout(timer), off());
    });
    try {
      const result = await this.cdp.send('Page.navigate', { url }, this.sessionId);
      if (typeof result.errorText === 'string') throw new Error(`navigating to ${url}: ${result.errorText}`);
      await loaded;
    } catch (error) {
      stop();
      throw error;
    }
  }

  /** The expression's value (JSON-serialisable), awaited when it is a promise; an exception in the page throws here. */
  async evaluate<T>(expression: string): Promise<T> {
    const out = (await this.cdp.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, this.sessionId)) as {
      result?: { value?: unknown };
      exceptionDetails?: { text?: string; exception?: { description?: string } };
    };
    if (out.exceptionDetails) throw new Error(`evaluate failed: ${out.exceptionDetails.exception?.description ?? out.exceptionDetails.text}`);
    return out.result?.value as T;
  }

  /** A PNG of the viewport. */
  async screenshot(): Promise<Buffer> {
    const out = await this.cdp.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, this.sessionId);
    return Buffer.from(String(out.data), 'base64');
  }

  async close(): Promise<void> {
    for (const off of this.unsubscribe) off();
    await this.cdp.send('Target.closeTarget', { targetId: this.targetId }).catch(() => undefined);
  }
}

export interface LaunchOptions {
  /** How long Chromium may take to print its DevTools address. @default 15000 */
  timeoutMs?: number;
}

/** One headless Chromium process with a throwaway profile, driven over the DevTools protocol. */
export class HeadlessChromium {
  private constructor(
    private readonly child: ChildProcess,
    private readonly cdp: CdpConnection,
    private readonly profileDir: string,
  ) {}

  static async launch(executable: string, options: LaunchOptions = {}): Promise<HeadlessChromium> {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const profileDir = mkdtempSync(join(tmpdir(), 'finegate-chromium-'));
    const child = spawn(
      executable,
      [
        '--headless=new',
        '--remote-debugging-port=0',
        `--user-data-dir=${profileDir}`,
        // Containers and CI runners seldom allow the sandbox's namespaces.
        '--no-sandbox',
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-extensions',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--mute-audio',
        // A desktop-sized viewport: layout assertions do not depend on Chromium's default.
        '--window-size=1280,900',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      const url = await devToolsUrl(child, timeoutMs);
      const cdp = await CdpConnection.open(url, timeoutMs);
      return new HeadlessChromium(child, cdp, profileDir);
    } catch (error) {
      await stopProcess(child, 0);
      rmSync(profileDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** A new page (its own target and session) with network, console and log recording on, navigated to `url`. */
  async open(url: string, options: OpenOptions = {}): Promise<ChromiumPage> {
    const { targetId } = (await this.cdp.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await this.cdp.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const page = new ChromiumPage(this.cdp, sessionId, targetId);
    await Promise.all(['Network.enable', 'Runtime.enable', 'Page.enable', 'Log.enable'].map((method) => this.cdp.send(method, {}, sessionId)));
    await page.navigate(url, options);
    return page;
  }

  async close(): Promise<void> {
    await this.cdp.send('Browser.close').catch(() => undefined);
    this.cdp.close();
    await stopProcess(this.child);
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}

function devToolsUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new Error(`Chromium did not start: ${reason}\n--- its stderr ---\n${stderr.slice(-4_000)}`));
    };
    const timer = setTimeout(() => fail(`no DevTools address within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? `code ${code}`}`));
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        // Keep draining stderr so Chromium never blocks on a full pipe.
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        resolve(match[1]!);
      }
    });
  });
}

/** Waits for the process to exit, sending it (by its own pid) SIGTERM after `graceMs` and SIGKILL 3 s later. */
async function stopProcess(child: ChildProcess, graceMs = 2_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const term = setTimeout(() => child.kill('SIGTERM'), graceMs);
  const kill = setTimeout(() => child.kill('SIGKILL'), graceMs + 3_000);
  await exited;
  clearTimeout(term);
  clearTimeout(kill);
}
