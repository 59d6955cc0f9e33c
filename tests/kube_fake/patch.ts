/**
 * Patch semantics of the fake API server: JSON merge patch (RFC 7386) and JSON patch (RFC 6902).
 *
 * @module
 */
import { badRequest, KubeStatusError } from "./status.ts";
import { cloneJson } from "./json_clone.ts";

type Json = unknown;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Applies a JSON merge patch: objects merge recursively, `null` deletes, anything else replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return cloneJson(patch);
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

function decodePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw badRequest(`json patch path "${pointer}" must start with "/"`);
  return pointer.slice(1).split("/").map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function parentOf(doc: Json, tokens: string[], path: string): [Record<string, unknown> | unknown[], string] {
  let node: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else node = undefined;
    if (node === undefined) throw unprocessable(`json patch path "${path}" does not exist`);
  }
  if (!Array.isArray(node) && !isObject(node)) throw unprocessable(`json patch path "${path}" does not exist`);
  return [node, tokens[tokens.length - 1]!];
}

function unprocessable(message: string): KubeStatusError {
  return new KubeStatusError(422, "Invalid", message);
}

function getAt(doc: Json, path: string): Json {
  let node: unknown = doc;
  for (const token of decodePointer(path)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else node = undefined;
    if (node === undefined) throw unprocessable(`json patch path "${path}" does not exist`);
  }
  return node;
}

function removeAt(doc: Json, path: string): Json {
  const [parent, key] = parentOf(doc, decodePointer(path), path);
  if (Array.isArray(parent)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= parent.length) {
      throw unprocessable(`json patch path "${path}" does not exist`);
    }
    return parent.splice(index, 1)[0];
  }
  if (!(key in parent)) throw unprocessable(`json patch path "${path}" does not exist`);
  const old = parent[key];
  delete parent[key];
  return old;
}

function addAt(doc: Json, path: string, value: Json): Json {
  const tokens = decodePointer(path);
  if (tokens.length === 0) return cloneJson(value);
  const [parent, key] = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw unprocessable(`json patch path "${path}" is out of range`);
    }
    parent.splice(index, 0, cloneJson(value));
  } else {
    parent[key] = cloneJson(value);
  }
  return doc;
}

/** Applies a JSON patch (add, remove, replace, move, copy, test) to a copy of `doc`. */
export function applyJsonPatch(doc: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw badRequest("json patch must be an array of operations");
  let result = cloneJson(doc);
  for (const op of operations) {
    if (!isObject(op) || typeof op.op !== "string" || typeof op.path !== "string") {
      throw badRequest(`invalid json patch operation ${JSON.stringify(op)}`);
    }
    switch (op.op) {
      case "add":
        result = addAt(result, op.path, op.value);
        break;
      case "remove":
        removeAt(result, op.path);
        break;
      case "replace":
        getAt(result, op.path);
        if (op.path === "") result = cloneJson(op.value);
        else {
          removeAt(result, op.path);
          result = addAt(result, op.path, op.value);
        }
        break;
      case "move": {
        const value = removeAt(result, String(op.from));
        result = addAt(result, op.path, value);
        break;
      }
      case "copy":
        result = addAt(result, op.path, getAt(result, String(op.from)));
        break;
      case "test":
        if (stableStringify(getAt(result, op.path)) !== stableStringify(op.value)) {
          throw unprocessable(`json patch test failed at "${op.path}"`);
        }
        break;
      default:
        throw badRequest(`unknown json patch operation "${op.op}"`);
    }
  }
  return result;
}

/** JSON with object keys sorted, for comparing values regardless of key order. */
export function stableStringify(value: Json): string {
  return JSON.stringify(value, (_key, v) => {
    if (!isObject(v)) return v;
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]));
  });
}
