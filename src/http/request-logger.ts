import type { FastifyBaseLogger } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;
type LogArgs = Parameters<FastifyBaseLogger['info']>;
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * `request.log` of one request, made a real (pino) child logger on the first line the
 * request writes. Fastify makes a child per request, with its `reqId` binding serialized up
 * front, although below `LOG_LEVEL=debug` a request writes no line unless something goes wrong
 * (issue 10: that child cost about a microsecond of every check). Every line that is written
 * still comes from a real child with the `reqId`.
 */
class RequestLogger {
  #real: FastifyBaseLogger | undefined;
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildOptions;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #child(): FastifyBaseLogger {
    this.#real ??= this.#parent.child(this.#bindings, this.#options);
    return this.#real;
  }

  /** A line at a level the parent drops needs no child (a request's level is the parent's). */
  #write(level: Level, args: LogArgs): void {
    if (this.#real === undefined) {
      const enabled = (this.#parent as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
      if (enabled !== undefined && !enabled.call(this.#parent, level)) return;
    }
    (this.#child()[level] as (...args: LogArgs) => void)(...args);
  }

  get level(): FastifyBaseLogger['level'] {
    return this.#real?.level ?? this.#parent.level;
  }

  set level(level: FastifyBaseLogger['level']) {
    this.#child().level = level;
  }

  fatal(...args: LogArgs): void {
    this.#write('fatal', args);
  }
  error(...args: LogArgs): void {
    this.#write('error', args);
  }
  warn(...args: LogArgs): void {
    this.#write('warn', args);
  }
  info(...args: LogArgs): void {
    this.#write('info', args);
  }
  debug(...args: LogArgs): void {
    this.#write('debug', args);
  }
  trace(...args: LogArgs): void {
    this.#write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.#child().child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: a lazy child per request; a route with its own log level gets a real one. */
export const requestLoggerFactory = (
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildOptions,
): FastifyBaseLogger =>
  options.level !== undefined
    ? logger.child(bindings, options)
    : (new RequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger);
