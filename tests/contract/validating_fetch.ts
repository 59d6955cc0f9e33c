/**
 * A fetch wrapper that checks every Hetzner exchange against the OpenAPI contract, and the
 * recorder that counts operations and collects mismatches for the suite's coverage line.
 *
 * @module
 */
import type { OpenApiContract } from "./openapi.ts";

/** One exchange that did not match the contract. */
export interface ContractMismatch {
  method: string;
  path: string;
  status?: number;
  phase: "route" | "request" | "response";
  errors: string[];
}

/** Collects exchanges; an operation counts as validated when none of its exchanges mismatched. */
export class ContractRecorder {
  readonly contract: OpenApiContract;
  readonly mismatches: ContractMismatch[] = [];
  readonly exchanges: { method: string; path: string; status: number; operation?: string }[] = [];
  readonly #exercised = new Set<string>();
  readonly #failed = new Set<string>();

  constructor(contract: OpenApiContract) {
    this.contract = contract;
  }

  /** Operations (`METHOD /template`) seen at least once. */
  get exercised(): string[] {
    return [...this.#exercised].sort();
  }

  /** Operations seen with no mismatch in any exchange. */
  get validated(): string[] {
    return this.exercised.filter((op) => !this.#failed.has(op));
  }

  /** Validates and records one exchange; returns the mismatches it produced. */
  check(
    method: string,
    url: URL,
    requestBody: unknown,
    status: number,
    responseBody: unknown,
    contentType = "",
  ): ContractMismatch[] {
    const path = url.pathname + url.search;
    const request = this.contract.validateRequest(method, url, requestBody);
    const found: ContractMismatch[] = [];
    const op = request.operation?.key;
    this.exchanges.push({ method, path, status, operation: op });
    if (!op) {
      found.push({ method, path, status, phase: "route", errors: request.errors });
    } else {
      this.#exercised.add(op);
      if (request.errors.length > 0) found.push({ method, path, status, phase: "request", errors: request.errors });
      const response = this.contract.validateResponse(method, url, status, responseBody, contentType);
      if (response.errors.length > 0) {
        found.push({ method, path, status, phase: "response", errors: response.errors });
      }
      if (found.length > 0) this.#failed.add(op);
    }
    this.mismatches.push(...found);
    return found;
  }

  /** `hcloud contract: 41 operations exercised / 41 validated, 0 mismatches (of 189 in the spec)` */
  summary(): string {
    return `hcloud contract: ${this.exercised.length} operations exercised / ${this.validated.length} validated, ` +
      `${this.mismatches.length} mismatches (of ${this.contract.operations.length} in the spec)`;
  }

  /** Throws an error listing every mismatch (the suite fails on any). */
  assertNoMismatches(): void {
    if (this.mismatches.length === 0) return;
    const lines = this.mismatches.slice(0, 30).map((m) =>
      `  ${m.phase} ${m.method} ${m.path}${m.status ? ` -> ${m.status}` : ""}:\n    ${m.errors.join("\n    ")}`
    );
    throw new Error(`${this.summary()}\n${lines.join("\n")}`);
  }
}

/**
 * Wraps `inner` so every exchange is validated and recorded. Bodies are read from clones, so the
 * caller sees the request and response unchanged; network errors pass through untouched.
 */
export function createValidatingFetch(inner: typeof fetch, recorder: ContractRecorder): typeof fetch {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const requestText = request.body ? await request.clone().text() : "";
    const response = await inner(request);
    const responseText = await response.clone().text();
    recorder.check(
      request.method,
      new URL(request.url),
      parseBody(requestText),
      response.status,
      parseBody(responseText),
      response.headers.get("content-type") ?? "",
    );
    return response;
  };
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text; // not JSON: the schema check reports it
  }
}
