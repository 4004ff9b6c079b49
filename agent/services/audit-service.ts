/**
 * The audit log as a service: every call but reads, as the API core finishes it, with who made
 * it (and through which hub), and `GET /api/v1/audit`.
 */
import type { Api } from '../../shared/contract/api';
import type { ApiCore } from '../api/api-core';
import { AuditLog, whoIs } from '../audit/audit-log';
import type { AgentDb } from '../store/agent-db';
import type { Service } from './service';

export interface AuditServiceOptions {
  db: AgentDb;
  api: ApiCore<Api>;
  /** This agent's name, as entries name where a command ran. */
  agentName: string;
}

export function auditService(options: AuditServiceOptions): Service<AuditLog> {
  let stopObserving: (() => void) | undefined;
  let log: AuditLog | undefined;
  return {
    name: 'audit',
    start() {
      const audit = new AuditLog(options.db.db);
      log = audit;
      const { api } = options;
      stopObserving = api.observe((call) => {
        const declaration = api.table[call.name as keyof Api]!;
        if (declaration.method === 'GET') return;
        // An algo keeping its own state is its bookkeeping (maybe every tick), not a command: it
        // would push the commands out of the log. The owner's or a session's change is logged.
        if (call.name === 'setAlgoState' && call.principal?.kind === 'task') return;
        // A stranger's refused call (a wrong sign-in) is not a command: were it logged, anybody
        // could push the real history out of the log. Sign-ins are limited per address instead.
        if (call.principal === undefined && call.error !== undefined) return;
        const who = whoIs(call.principal);
        audit.write({
          who: call.origin.via ? `${call.origin.via}` : who,
          address: call.origin.address ?? null,
          agent: options.agentName,
          method: call.name,
          route: `${declaration.method} ${declaration.path}`,
          input: call.input,
          result: call.error?.code ?? 'ok',
          status: call.error?.status ?? declaration.status ?? 200,
          durationMs: call.durationMs,
        });
      });
      api.provide({ getAudit: (query) => ({ entries: audit.list(query) }) });
      return audit;
    },
    stop() {
      stopObserving?.();
      log?.flush();
    },
  };
}
