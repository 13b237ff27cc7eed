/**
 * dynalite in the same process, two ways onto one database: its own HTTP server (for another process, or
 * anything that holds a DynamoDB client) and a wire transport that calls dynalite's own validation and
 * action modules directly — what its HTTP handler does after parsing a request, without the AWS SDK's
 * request pipeline, SigV4 signing, HTTP and JSON on both sides (docs/architecture.md "Store engines").
 * Both see the same data, under dynalite's own per-item locks.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { WireMessage, WireOperation, WireTransport } from './wire-engine';

/** dynalite's database handle (its `db.create` result): opaque here. */
export interface DynaliteDb {
  readonly options: Record<string, unknown>;
}

/** Options of dynalite (the part certwatch uses). */
export interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

type Callback = (error: unknown, answer?: WireMessage) => void;
type Action = (db: DynaliteDb, data: WireMessage, done: Callback) => void;
interface ActionValidation {
  types: Record<string, unknown>;
  custom?: (data: WireMessage, db: DynaliteDb) => string | undefined;
}
interface Validations {
  checkTypes(data: WireMessage, types: Record<string, unknown>): WireMessage;
  checkValidations(data: WireMessage, types: Record<string, unknown>, custom: unknown, db: DynaliteDb): void;
}
/** What dynalite answers a refused request with (its HTTP handler sends `body` with `statusCode`). */
interface DynaliteFailure {
  statusCode?: number;
  body?: { __type?: string; message?: string; Message?: string };
}

/**
 * dynalite's modules, loaded together through Node's own require from dynalite's directory: its server
 * and the database module it calls must be the same instances (a bundler or jest's module registry must
 * not hand out copies), and the CLI build keeps dynalite external.
 */
function dynaliteModules() {
  const load = createRequire(require.resolve('dynalite'));
  return {
    load,
    dynalite: load('./index.js') as (options: DynaliteOptions) => Server,
    db: load('./db/index.js') as { create(options: DynaliteOptions): DynaliteDb },
    validations: load('./validations/index.js') as Validations,
  };
}

/**
 * Creates dynalite's HTTP server (not listening yet) and returns it with its database, so that the same
 * data can be reached in-process. dynalite keeps its database to itself: its `db.create` is wrapped for
 * the duration of this synchronous call to see the handle it makes.
 */
export function createDynalite(options: DynaliteOptions): { server: Server; db: DynaliteDb } {
  const modules = dynaliteModules();
  const create = modules.db.create;
  let made: DynaliteDb | undefined;
  modules.db.create = (given) => {
    made = create(given);
    return made;
  };
  let server: Server;
  try {
    server = modules.dynalite(options);
  } finally {
    modules.db.create = create;
  }
  if (!made) throw new Error('dynalite made no database');
  return { server, db: made };
}

/** The wire transport that calls dynalite's validations and actions on `db` directly. */
export function dynaliteTransport(db: DynaliteDb): WireTransport {
  const { load, validations } = dynaliteModules();
  const steps = new Map<WireOperation, { action: Action; validation: ActionValidation }>();
  const stepsOf = (operation: WireOperation) => {
    let found = steps.get(operation);
    if (!found) {
      const name = operation.charAt(0).toLowerCase() + operation.slice(1);
      found = {
        action: load(`./actions/${name}.js`) as Action,
        validation: load(`./validations/${name}.js`) as ActionValidation,
      };
      steps.set(operation, found);
    }
    return found;
  };
  return {
    send(operation: WireOperation, request: WireMessage): Promise<WireMessage> {
      const { action, validation } = stepsOf(operation);
      return new Promise((resolve, reject) => {
        try {
          const data = validations.checkTypes(request, validation.types);
          validations.checkValidations(data, validation.types, validation.custom, db);
          action(db, data, (error, answer) => (error ? reject(asWireError(error)) : resolve(answer ?? {})));
        } catch (error) {
          reject(asWireError(error));
        }
      });
    },
  };
}

/** dynalite's refusal as an Error named by DynamoDB's error type, as the AWS SDK would raise it. */
function asWireError(error: unknown): Error {
  const failure = error as DynaliteFailure;
  if (typeof failure === 'object' && failure !== null && failure.statusCode && failure.body) {
    const type = String(failure.body.__type ?? 'UnknownError');
    const named = new Error(failure.body.message ?? failure.body.Message ?? type);
    named.name = type.slice(type.lastIndexOf('#') + 1);
    return named;
  }
  return error instanceof Error ? error : new Error(String(error));
}
