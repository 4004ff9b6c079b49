/**
 * An agent is a stack of services (the simulated market, the ticker, the API server…), each
 * with its own options, started in order and stopped in reverse. A service that needs another
 * takes what that one's start returned as a parameter: no shared bag of everything.
 */
import type { Logger } from 'pino';

export interface Service<T = void> {
  readonly name: string;
  /** Starts the service; what it returns is what later services may use. */
  start(): Promise<T> | T;
  /** Stops it; called once, also after a start that failed part of the way (so it must cope with that). */
  stop(): Promise<void> | void;
}

export class ServiceStack {
  private readonly started: Service<unknown>[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  /** Starts `service` after those already started; refuses once stopping began. */
  async start<T>(service: Service<T>): Promise<T> {
    if (this.stopping) throw new Error(`not starting ${service.name}: the agent is stopping`);
    let provided: T;
    try {
      provided = await service.start();
    } catch (error) {
      // What it started before failing (processes, timers, sockets) must not outlive it.
      try {
        await service.stop();
      } catch (stopError) {
        this.log.error({ err: stopError, service: service.name }, `${service.name} failed to stop after failing to start`);
      }
      throw error;
    }
    this.started.push(service);
    return provided;
  }

  /** Stops every started service, last first; one that fails to stop does not keep the others up. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const service of this.started.splice(0).reverse()) {
        try {
          await service.stop();
        } catch (error) {
          this.log.error({ err: error, service: service.name }, `${service.name} failed to stop cleanly`);
        }
      }
    })();
    return this.stopping;
  }
}
