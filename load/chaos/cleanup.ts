/**
 * Everything the run started, stopped in reverse order exactly once: at the end,
 * on failure, and on SIGINT/SIGTERM (then the process exits with 130/143).
 */
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<unknown> }[] = [];
  private done: Promise<void> | undefined;

  constructor() {
    const onSignal = (signal: NodeJS.Signals, code: number) => {
      process.stderr.write(`\nchaos: ${signal}: stopping everything it started\n`);
      void this.runAll().finally(() => process.exit(code));
    };
    process.once('SIGINT', () => onSignal('SIGINT', 130));
    process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  }

  add(what: string, run: () => Promise<unknown>): void {
    this.steps.push({ what, run });
  }

  runAll(): Promise<void> {
    this.done ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.run();
        } catch (error) {
          process.stderr.write(`chaos: cleanup of ${step.what} failed: ${String(error)}\n`);
        }
      }
    })();
    return this.done;
  }
}
