/**
 * REST routes, derived from the one contract in shared/contract/api.ts: each declared method
 * becomes a route whose input is validated by its schema before the handler sees it.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { api, type ApiHandlers, type MethodName } from '../../shared/contract/api';
import { ApiError, type ErrorCode } from '../../shared/errors';
import { bearerToken, type TokenVerifier } from './auth';

export interface HttpServerOptions {
  handlers: ApiHandlers;
  verifier: TokenVerifier;
  log: Logger;
  https?: { cert: string | Buffer; key: string | Buffer };
  bodyLimitBytes?: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: boolean;
  }
}

/** Turns the first schema problem into an error naming the field at fault. */
export function validationError(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : undefined;
  const message = issue ? `${field ? `${field}: ` : ''}${issue.message}` : 'invalid request';
  return new ApiError('invalid_request', message, field === undefined ? {} : { field });
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
};

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  const code = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (code === 'invalid_json' || (e.statusCode === 400 && error instanceof SyntaxError)) {
    return new ApiError('invalid_json', `The request body is not valid JSON: ${e.message ?? 'parse error'}.`);
  }
  if (code) return new ApiError(code, e.message ?? code);
  if (e.statusCode === 400) return new ApiError('invalid_request', e.message ?? 'bad request');
  return new ApiError('internal', 'The agent failed to handle this request; see its log.');
}

function send(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply.status(error.status).type('application/json').send(error.toBody());
}

export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    // On stop, close every connection: a keep-alive one that was busy when stop began would
    // otherwise hold the agent open until its keep-alive timeout.
    forceCloseConnections: true,
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;

  const authorised = (request: FastifyRequest) => options.verifier.verify(bearerToken(request.headers.authorization));

  // Authentication runs before the body is even read.
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.auth === false) return;
    if (!authorised(request)) {
      reply.header('WWW-Authenticate', 'Bearer realm="algodeck"');
      return send(
        reply,
        new ApiError('unauthorized', 'Missing or wrong token: send "Authorization: Bearer <token>".'),
      );
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.code === 'internal') request.log.error({ err: error, url: request.url }, 'request failed');
    return send(reply, apiError);
  });

  const methodsByPath = new Map<string, string[]>();
  for (const [name, declaration] of Object.entries(api) as Array<[MethodName, (typeof api)[MethodName]]>) {
    methodsByPath.set(declaration.path, [...(methodsByPath.get(declaration.path) ?? []), declaration.method]);
    const handler = options.handlers[name] as (params: unknown) => unknown;
    app.route({
      method: declaration.method,
      url: declaration.path,
      config: { auth: declaration.auth },
      handler: async (request) => {
        const raw = declaration.method === 'GET' ? request.query : (request.body ?? {});
        const parsed = declaration.input.safeParse(raw);
        if (!parsed.success) throw validationError(parsed.error);
        return handler(parsed.data);
      },
    });
  }

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = methodsByPath.get(path);
    if (allowed) {
      reply.header('Allow', allowed.join(', '));
      return send(reply, new ApiError('method_not_allowed', `${request.method} is not allowed here; use ${allowed.join(' or ')}.`));
    }
    return send(reply, new ApiError('not_found', `No such endpoint: ${request.method} ${path}.`));
  });

  return app;
}
