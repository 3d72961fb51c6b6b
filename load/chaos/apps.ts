import { type ServerProcess, startServerProcess } from '../lib/server-process.js';

/** One stagedoor process slot: a fixed port, so a restarted process keeps its address. */
export interface AppSlot {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  process: ServerProcess | undefined;
  /** Output of earlier incarnations (killed ones), for the report. */
  pastOutput: string;
}

/** An app process that exited without being told to, and when the supervisor had it back. */
export interface AppCrash {
  app: string;
  at: number;
  restartedAt?: number;
  exit: string;
  /** The last lines it wrote. */
  tail: string;
}

/** Starts processes and, like systemd would, restarts one that dies on its own (recording the crash). */
export interface Supervisor {
  env: Record<string, string>;
  now(): number;
  crashes: AppCrash[];
}

export async function startApp(slot: AppSlot, supervisor: Supervisor): Promise<void> {
  const started = await startServerProcess(supervisor.env, { port: slot.port });
  slot.process = started;
  started.child.once('exit', (code, signal) => {
    if (slot.process !== started) return; // killed or stopped on purpose
    slot.process = undefined;
    slot.pastOutput += started.output();
    const crash: AppCrash = {
      app: slot.name,
      at: supervisor.now(),
      exit: signal ?? `code ${code}`,
      tail: started.output().split('\n').slice(-25).join('\n'),
    };
    supervisor.crashes.push(crash);
    process.stdout.write(`chaos: ${slot.name} died on its own (${crash.exit}); restarting it\n`);
    startApp(slot, supervisor).then(
      () => {
        crash.restartedAt = supervisor.now();
      },
      (error: unknown) => process.stderr.write(`chaos: restart of ${slot.name} failed: ${String(error)}\n`),
    );
  });
}

/** kill -9: no shutdown hook runs, in-flight requests are cut off. */
export async function killApp(slot: AppSlot): Promise<void> {
  const running = slot.process;
  if (!running) return;
  slot.pastOutput += running.output();
  slot.process = undefined;
  await running.stop('SIGKILL');
}

export function signalApp(slot: AppSlot, signal: 'SIGSTOP' | 'SIGCONT'): void {
  const pid = slot.process?.child.pid;
  if (pid) process.kill(pid, signal);
}

/** At the end: thaw (a stopped process ignores SIGTERM until then), ask nicely, then SIGKILL. */
export async function stopApp(slot: AppSlot): Promise<void> {
  const running = slot.process;
  if (!running) return;
  slot.pastOutput += running.output();
  slot.process = undefined;
  if (running.child.exitCode !== null || running.child.signalCode !== null) return;
  signalApp({ ...slot, process: running }, 'SIGCONT');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 5_000);
  await running.stop('SIGTERM');
  clearTimeout(timer);
}

/** Lines of the process's output that report trouble (unhandled errors, 500s), counted by message. */
export function troubleLines(slot: AppSlot): Map<string, number> {
  const output = slot.pastOutput + (slot.process?.output() ?? '');
  const counts = new Map<string, number>();
  for (const line of output.split('\n')) {
    let message: string | undefined;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((entry.level ?? 0) >= 50)
        message = `${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`;
    } catch {
      if (/error/i.test(line)) message = line.trim();
    }
    if (message) counts.set(message.slice(0, 160), (counts.get(message.slice(0, 160)) ?? 0) + 1);
  }
  return counts;
}
