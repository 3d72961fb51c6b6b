import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address() as net.AddressInfo;
      probe.close(() => resolve(address.port));
    });
  });
}

export interface StartOptions {
  /** The script to run; `src/server.ts` (what `npm run dev` runs) by default. */
  entry?: string;
  /** Pin the process to these CPUs with taskset (e.g. "0"), so a load generator can have the other. */
  cpus?: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Listen on this port (a restarted process keeps its address); a free one by default. */
  port?: number;
}

/** The server in a child process, resolved once it listens. */
export async function startServerProcess(
  env: Record<string, string>,
  { entry = 'src/server.ts', cpus, nodeFlags = [], port: fixedPort }: StartOptions = {},
): Promise<ServerProcess> {
  const port = fixedPort ?? (await freePort());
  // TypeScript runs through tsx (development); a compiled .js entry (dist/) runs on plain node.
  const nodeArgs = entry.endsWith('.ts') ? [...nodeFlags, '--import', 'tsx', entry] : [...nodeFlags, entry];
  const [command, args] = cpus
    ? ['taskset', ['-c', cpus, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(command, args, {
    env: {
      PATH: process.env.PATH ?? '',
      // Where a root-run embedded PostgreSQL keeps what the postgres user must reach (CI sets its own).
      ...(process.env.EMBEDDED_PG_RUNTIME_DIR
        ? { EMBEDDED_PG_RUNTIME_DIR: process.env.EMBEDDED_PG_RUNTIME_DIR }
        : {}),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      // Tests and load tools fire everything from one address: per-client limits would only
      // measure the limiter. A caller that tests the limits sets them in `env`.
      RATE_LIMIT_ISSUE_PER_MINUTE: '0',
      RATE_LIMIT_WRITE_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve(code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  // Listening means answering; any HTTP status will do (the bare server has no /health).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`server exited with ${exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start within 60 s:\n${output}`);
    }
    try {
      await fetch(`${url}/health`);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    child,
    output: () => output,
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}
