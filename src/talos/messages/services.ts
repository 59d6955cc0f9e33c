/**
 * `ServiceList` reply (`machine.ServiceListResponse`).
 *
 * @module
 */
import {
  BinaryWriter,
  boolField,
  bytesField,
  readFields,
  stringField,
  writeBool,
  writeMessage,
  writeString,
} from "./codec.ts";
import { decodeTimestamp, encodeTimestamp, metadataField, type WithMetadata, writerWithMetadata } from "./common.ts";

/** Service states Talos reports (`internal/app/machined/pkg/system/events/events.go`). */
export type ServiceState =
  | "Initialized"
  | "Starting"
  | "Preparing"
  | "Waiting"
  | "Running"
  | "Stopping"
  | "Finished"
  | "Failed"
  | "Skipped";

/** `machine.ServiceEvent`. */
export interface ServiceEvent {
  msg: string;
  state: string;
  ts?: Date;
}

/** `machine.ServiceHealth`. */
export interface ServiceHealth {
  unknown: boolean;
  healthy: boolean;
  lastMessage: string;
  lastChange?: Date;
}

/** `machine.ServiceInfo`. `state` is a string so states of newer Talos versions pass through. */
export interface ServiceInfo {
  id: string;
  state: ServiceState | string;
  events: ServiceEvent[];
  health?: ServiceHealth;
}

/** One node's `machine.ServiceList`. */
export interface ServiceListReply extends WithMetadata {
  services: ServiceInfo[];
}

function encodeServiceInfo(service: ServiceInfo): Uint8Array {
  const w = new BinaryWriter();
  writeString(w, 1, service.id);
  writeString(w, 2, service.state);
  const events = new BinaryWriter();
  for (const event of service.events) {
    const e = new BinaryWriter();
    writeString(e, 1, event.msg);
    writeString(e, 2, event.state);
    if (event.ts) writeMessage(e, 3, encodeTimestamp(event.ts));
    writeMessage(events, 1, e.finish());
  }
  writeMessage(w, 3, events.finish());
  if (service.health) {
    const h = new BinaryWriter();
    writeBool(h, 1, service.health.unknown);
    writeBool(h, 2, service.health.healthy);
    writeString(h, 3, service.health.lastMessage);
    if (service.health.lastChange) writeMessage(h, 4, encodeTimestamp(service.health.lastChange));
    writeMessage(w, 4, h.finish());
  }
  return w.finish();
}

function decodeServiceInfo(bytes: Uint8Array): ServiceInfo {
  const service: ServiceInfo = { id: "", state: "", events: [] };
  readFields(bytes, {
    1: stringField((v) => (service.id = v)),
    2: stringField((v) => (service.state = v)),
    3: bytesField((events) =>
      readFields(events, {
        1: bytesField((b) => {
          const event: ServiceEvent = { msg: "", state: "" };
          readFields(b, {
            1: stringField((v) => (event.msg = v)),
            2: stringField((v) => (event.state = v)),
            3: bytesField((v) => (event.ts = decodeTimestamp(v))),
          });
          service.events.push(event);
        }),
      })
    ),
    4: bytesField((b) => {
      const health: ServiceHealth = { unknown: false, healthy: false, lastMessage: "" };
      readFields(b, {
        1: boolField((v) => (health.unknown = v)),
        2: boolField((v) => (health.healthy = v)),
        3: stringField((v) => (health.lastMessage = v)),
        4: bytesField((v) => (health.lastChange = decodeTimestamp(v))),
      });
      service.health = health;
    }),
  });
  return service;
}

/** Encodes `machine.ServiceList`. */
export function encodeServiceList(reply: ServiceListReply): Uint8Array {
  const w = writerWithMetadata(reply);
  for (const service of reply.services) writeMessage(w, 2, encodeServiceInfo(service));
  return w.finish();
}

/** Decodes `machine.ServiceList`. */
export function decodeServiceList(bytes: Uint8Array): ServiceListReply {
  const reply: ServiceListReply = { services: [] };
  readFields(bytes, { 1: metadataField(reply), 2: bytesField((v) => reply.services.push(decodeServiceInfo(v))) });
  return reply;
}
