/**
 * The field table of `k8zner.yaml`: every field, its type, limits, default and documentation.
 * It is the ONE source that the validator (`parse.ts`), the JSON Schema (`schema.ts`) and the
 * README's configuration reference (`reference.ts`) are generated from, so they cannot drift.
 *
 * @module
 */ import { DEFAULT_CONTROL_PLANE_SIZE, LEGACY_SIZES, MAX_WORKERS, MIN_WORKERS, MODES, REGION_NAMES, REGIONS, SERVER_SIZES, SIZE_SPECS } from "./spec.ts";
/**
 * YAML 1.1 spellings of booleans. The earlier implementation (Go yaml.v3) accepted them for its
 * boolean fields, so files using them must keep loading; they are normalised to true/false.
 */ export const YAML11_TRUE = [
  "y",
  "Y",
  "yes",
  "Yes",
  "YES",
  "on",
  "On",
  "ON"
];
export const YAML11_FALSE = [
  "n",
  "N",
  "no",
  "No",
  "NO",
  "off",
  "Off",
  "OFF"
];
/**
 * Longest cluster name: server names `<name>-cp-1` are RFC 1123 host names whose labels may
 * have at most 63 characters (the earlier implementation allowed 63 and failed at apply time).
 */ export const MAX_NAME_LENGTH = 58;
/** Longest name with `backup: true`: the bucket `<name>-etcd-backups` must fit S3's 63 characters. */ export const MAX_NAME_LENGTH_WITH_BACKUP = 50;
export const BACKUP_BUCKET_SUFFIX = "-etcd-backups";
const NAME_PATTERN = new RegExp(`^(?!.*--)[a-z](?:[a-z0-9-]{0,${MAX_NAME_LENGTH - 2}}[a-z0-9])?$`);
function explainName(value) {
  if (value.length === 0) return "must not be empty";
  if (value.length > MAX_NAME_LENGTH) {
    return `is ${value.length} characters long; at most ${MAX_NAME_LENGTH} so server names like "<name>-cp-1" stay valid host names`;
  }
  const bad = [
    ...value
  ].find((c)=>!/[a-z0-9-]/.test(c));
  if (bad !== undefined) {
    const safe = value.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-{2,}/g, "-").replace(/^[^a-z]+|-+$/g, "");
    const hint = NAME_PATTERN.test(safe) ? ` (e.g. "${safe}")` : "";
    return `contains "${bad}"; only lowercase letters, digits and "-" are allowed${hint}`;
  }
  if (!/^[a-z]/.test(value)) return "must start with a lowercase letter";
  if (value.endsWith("-")) return `must end with a letter or digit, not "-"`;
  if (value.includes("--")) return `must not contain "--"`;
  return "is not a DNS-safe name";
}
/** The earlier implementation's domain rule (inventory §2.1), kept so existing files stay valid. */ const DOMAIN_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*\.[a-zA-Z]{2,}$/;
function explainDomain(value) {
  if (value.length > 253) return `is ${value.length} characters long; a domain name has at most 253`;
  if (value.includes("://")) return `must be a bare domain name like "example.com", without a scheme`;
  if (/[/:@\s]/.test(value)) return `must be a bare domain name like "example.com", without path, port or spaces`;
  if (!value.includes(".")) return `needs a top-level domain, like "example.com"`;
  return `is not a domain name like "example.com" or "k8s.example.org"`;
}
const EMAIL_PATTERN = /^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)*\.[a-zA-Z]{2,}$/;
const SUBDOMAIN_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
function explainSubdomain(example) {
  return (value)=>{
    if (value.split(".").some((p)=>p === "")) return "has an empty part between dots";
    return `is not a host-name prefix like "${example}" (letters, digits and "-", not starting or ending with "-")`;
  };
}
function explainRefusedSize(value) {
  if (/^cax\d/i.test(value)) return `"${value}" is an ARM server type; k8zner builds amd64 nodes only`;
  if (/^ccx\d/i.test(value)) return `"${value}" is a dedicated-vCPU type; k8zner offers the shared CX and CPX types`;
  return undefined;
}
const sizeList = SERVER_SIZES.map((s)=>{
  const spec = SIZE_SPECS[s];
  return `${s} (${spec.cores} vCPU, ${spec.memoryGb} GB)`;
}).join(", ");
const SIZE_TYPE = {
  kind: "enum",
  values: SERVER_SIZES,
  legacy: LEGACY_SIZES,
  allowed: SERVER_SIZES.join(", "),
  explainRefused: explainRefusedSize
};
/** Every field of k8zner.yaml. Order here is the order of the docs, the schema and rendered files. */ export const SPEC_FIELDS = {
  name: {
    type: {
      kind: "string",
      pattern: NAME_PATTERN,
      maxLength: MAX_NAME_LENGTH,
      allowed: `1-${MAX_NAME_LENGTH} lowercase letters, digits and "-", starting with a letter, ending with a letter or digit, no "--"`,
      explain: explainName
    },
    required: true,
    description: "Cluster name. Prefixes every Hetzner resource (network, firewall, `<name>-kube` load balancer, servers `<name>-cp-1`, `<name>-w-1`) and is their `k8zner.io/cluster` label."
  },
  region: {
    type: {
      kind: "enum",
      values: REGIONS,
      allowed: REGIONS.map((r)=>`${r} (${REGION_NAMES[r]})`).join(", ")
    },
    required: true,
    description: "Hetzner location of all servers and the load balancer (EU locations, where CX/CPX types exist)."
  },
  mode: {
    type: {
      kind: "enum",
      values: MODES,
      allowed: "dev (1 control plane), ha (3 control planes)"
    },
    required: true,
    description: "`dev`: one control plane that also runs workloads. `ha`: three control planes spread over hosts."
  },
  workers: {
    type: {
      kind: "object",
      fields: {
        count: {
          type: {
            kind: "integer",
            minimum: MIN_WORKERS,
            maximum: MAX_WORKERS
          },
          required: true,
          description: "Number of worker servers, named `<name>-w-1` … `<name>-w-N`."
        },
        size: {
          type: SIZE_TYPE,
          required: true,
          description: `Hetzner server type of the workers: ${sizeList}. Retired names cx22/cx32/cx42/cx52 are accepted and mean cx23/cx33/cx43/cx53.`
        }
      }
    },
    required: true,
    description: "Worker pool."
  },
  control_plane: {
    type: {
      kind: "object",
      fields: {
        size: {
          type: SIZE_TYPE,
          required: false,
          default: DEFAULT_CONTROL_PLANE_SIZE,
          description: "Hetzner server type of the control planes (same choices as `workers.size`)."
        }
      }
    },
    required: false,
    description: "Control-plane settings; the count follows `mode`."
  },
  domain: {
    type: {
      kind: "string",
      pattern: DOMAIN_PATTERN,
      maxLength: 253,
      allowed: `a domain name like "example.com" managed in Cloudflare`,
      explain: explainDomain
    },
    required: false,
    description: "Domain for ingress hosts (ArgoCD, Grafana), DNS records (external-dns) and Let's Encrypt certificates via Cloudflare DNS-01. Needs `CF_API_TOKEN` in the environment."
  },
  cert_email: {
    type: {
      kind: "string",
      pattern: EMAIL_PATTERN,
      maxLength: 254,
      allowed: `an e-mail address like "ops@example.com"`,
      explain: ()=>`is not an e-mail address like "ops@example.com"`
    },
    required: false,
    defaultNote: "`admin@<domain>`",
    description: "Contact address for Let's Encrypt (used only with `domain`)."
  },
  argo_subdomain: {
    type: {
      kind: "string",
      pattern: SUBDOMAIN_PATTERN,
      maxLength: 63,
      allowed: `a host-name prefix like "argo"`,
      explain: explainSubdomain("argo")
    },
    required: false,
    default: "argo",
    description: "ArgoCD is served at `<argo_subdomain>.<domain>` (used only with `domain`)."
  },
  monitoring: {
    type: {
      kind: "boolean"
    },
    required: false,
    default: false,
    description: "Install kube-prometheus-stack (Prometheus, Grafana, Alertmanager)."
  },
  grafana_subdomain: {
    type: {
      kind: "string",
      pattern: SUBDOMAIN_PATTERN,
      maxLength: 63,
      allowed: `a host-name prefix like "grafana"`,
      explain: explainSubdomain("grafana")
    },
    required: false,
    default: "grafana",
    description: "Grafana is served at `<grafana_subdomain>.<domain>` (used with `domain` and `monitoring`)."
  },
  backup: {
    type: {
      kind: "boolean"
    },
    required: false,
    default: false,
    description: "Hourly etcd snapshots to Hetzner Object Storage bucket `<name>-etcd-backups`. Needs `HETZNER_S3_ACCESS_KEY` and `HETZNER_S3_SECRET_KEY` in the environment."
  },
  api_allowlist: {
    type: {
      kind: "cidr-list"
    },
    required: false,
    defaultNote: "the public IP of the machine running apply",
    description: "IPv4/IPv6 CIDRs allowed to reach the Kubernetes API (6443) and Talos API (50000) on the nodes. A bare address means that one host; host bits below the prefix are an error."
  }
};
/** Paths of all fields, dotted (`workers.count`), in table order. */ export function fieldPaths(table = SPEC_FIELDS, prefix = "") {
  const out = [];
  for (const [key, def] of Object.entries(table)){
    const path = prefix + key;
    out.push(path);
    if (def.type.kind === "object") out.push(...fieldPaths(def.type.fields, path + "."));
  }
  return out;
}
/** The definition of a dotted path, if it names a field. */ export function fieldAt(path) {
  let table = SPEC_FIELDS;
  let def;
  for (const key of path.split(".")){
    def = table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
    if (def === undefined) return undefined;
    table = def.type.kind === "object" ? def.type.fields : undefined;
  }
  return def;
}
/** The "allowed" text of a field type, for messages and docs. */ export function allowedText(type) {
  switch(type.kind){
    case "string":
      return type.allowed;
    case "enum":
      return type.allowed ?? type.values.join(", ");
    case "integer":
      return `a whole number from ${type.minimum} to ${type.maximum}`;
    case "boolean":
      return "true or false";
    case "cidr-list":
      return `a list of CIDRs like ["203.0.113.0/24", "2001:db8::/32"]`;
    case "object":
      return `a mapping with ${Object.keys(type.fields).join(", ")}`;
  }
}
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpbImZpbGU6Ly8vd29yay93dC9zdXBwbHkvc3JjL2NvbmZpZy9maWVsZHMudHMiXSwic291cmNlc0NvbnRlbnQiOlsiLyoqXG4gKiBUaGUgZmllbGQgdGFibGUgb2YgYGs4em5lci55YW1sYDogZXZlcnkgZmllbGQsIGl0cyB0eXBlLCBsaW1pdHMsIGRlZmF1bHQgYW5kIGRvY3VtZW50YXRpb24uXG4gKiBJdCBpcyB0aGUgT05FIHNvdXJjZSB0aGF0IHRoZSB2YWxpZGF0b3IgKGBwYXJzZS50c2ApLCB0aGUgSlNPTiBTY2hlbWEgKGBzY2hlbWEudHNgKSBhbmQgdGhlXG4gKiBSRUFETUUncyBjb25maWd1cmF0aW9uIHJlZmVyZW5jZSAoYHJlZmVyZW5jZS50c2ApIGFyZSBnZW5lcmF0ZWQgZnJvbSwgc28gdGhleSBjYW5ub3QgZHJpZnQuXG4gKlxuICogQG1vZHVsZVxuICovXG5pbXBvcnQge1xuICBERUZBVUxUX0NPTlRST0xfUExBTkVfU0laRSxcbiAgTEVHQUNZX1NJWkVTLFxuICBNQVhfV09SS0VSUyxcbiAgTUlOX1dPUktFUlMsXG4gIE1PREVTLFxuICBSRUdJT05fTkFNRVMsXG4gIFJFR0lPTlMsXG4gIFNFUlZFUl9TSVpFUyxcbiAgU0laRV9TUEVDUyxcbn0gZnJvbSBcIi4vc3BlYy50c1wiO1xuXG4vKiogQSBzdHJpbmcgY2hlY2tlZCBhZ2FpbnN0IG9uZSByZWd1bGFyIGV4cHJlc3Npb24gKGFuY2hvcmVkLCB2YWxpZCB3aXRoIHRoZSBgdWAgZmxhZykuICovXG5leHBvcnQgaW50ZXJmYWNlIFN0cmluZ1R5cGUge1xuICBraW5kOiBcInN0cmluZ1wiO1xuICBwYXR0ZXJuOiBSZWdFeHA7XG4gIG1heExlbmd0aD86IG51bWJlcjtcbiAgLyoqIFdoYXQgdGhlIHVzZXIgbWF5IHdyaXRlLCBmb3IgbWVzc2FnZXMgYW5kIGRvY3MuICovXG4gIGFsbG93ZWQ6IHN0cmluZztcbiAgLyoqIFNheXMgcHJlY2lzZWx5IHdoeSBgdmFsdWVgICh3aGljaCBmYWlsZWQgdGhlIHBhdHRlcm4gb3IgbGVuZ3RoKSBpcyB3cm9uZy4gKi9cbiAgZXhwbGFpbjogKHZhbHVlOiBzdHJpbmcpID0+IHN0cmluZztcbn1cbi8qKiBPbmUgb2YgYSBmaXhlZCBsaXN0OyBgbGVnYWN5YCB2YWx1ZXMgYXJlIGFjY2VwdGVkIGFuZCByZXBsYWNlZCBieSB0aGVpciBzdWNjZXNzb3IuICovXG5leHBvcnQgaW50ZXJmYWNlIEVudW1UeXBlIHtcbiAga2luZDogXCJlbnVtXCI7XG4gIHZhbHVlczogcmVhZG9ubHkgc3RyaW5nW107XG4gIGxlZ2FjeT86IFJlYWRvbmx5PFJlY29yZDxzdHJpbmcsIHN0cmluZz4+O1xuICAvKiogU2hvd24gaW4gbWVzc2FnZXMgYW5kIGRvY3M7IGRlZmF1bHRzIHRvIHRoZSB2YWx1ZXMgam9pbmVkIGJ5IFwiLCBcIi4gKi9cbiAgYWxsb3dlZD86IHN0cmluZztcbiAgLyoqIFdoeSBhIGtub3duLWJ1dC1yZWZ1c2VkIHZhbHVlIGlzIHJlZnVzZWQgKGUuZy4gQVJNIHNlcnZlciB0eXBlcyksIGlmIHRoZXJlIGlzIGEgcmVhc29uIHRvIHRlbGwuICovXG4gIGV4cGxhaW5SZWZ1c2VkPzogKHZhbHVlOiBzdHJpbmcpID0+IHN0cmluZyB8IHVuZGVmaW5lZDtcbn1cbmV4cG9ydCBpbnRlcmZhY2UgSW50ZWdlclR5cGUge1xuICBraW5kOiBcImludGVnZXJcIjtcbiAgbWluaW11bTogbnVtYmVyO1xuICBtYXhpbXVtOiBudW1iZXI7XG59XG5leHBvcnQgaW50ZXJmYWNlIEJvb2xlYW5UeXBlIHtcbiAga2luZDogXCJib29sZWFuXCI7XG59XG4vKiogQSBsaXN0IG9mIGRpc3RpbmN0IElQdjQvSVB2NiBDSURScyAoYSBiYXJlIGFkZHJlc3MgbWVhbnMgb25lIGhvc3QpLiAqL1xuZXhwb3J0IGludGVyZmFjZSBDaWRyTGlzdFR5cGUge1xuICBraW5kOiBcImNpZHItbGlzdFwiO1xufVxuZXhwb3J0IGludGVyZmFjZSBPYmplY3RUeXBlIHtcbiAga2luZDogXCJvYmplY3RcIjtcbiAgZmllbGRzOiBGaWVsZFRhYmxlO1xufVxuZXhwb3J0IHR5cGUgRmllbGRUeXBlID0gU3RyaW5nVHlwZSB8IEVudW1UeXBlIHwgSW50ZWdlclR5cGUgfCBCb29sZWFuVHlwZSB8IENpZHJMaXN0VHlwZSB8IE9iamVjdFR5cGU7XG5cbi8qKiBPbmUgZmllbGQgb2YgdGhlIGZpbGUuICovXG5leHBvcnQgaW50ZXJmYWNlIEZpZWxkRGVmIHtcbiAgdHlwZTogRmllbGRUeXBlO1xuICByZXF1aXJlZDogYm9vbGVhbjtcbiAgLyoqIE9uZSBvciB0d28gc2VudGVuY2VzIGZvciB0aGUgcmVmZXJlbmNlIGFuZCBlZGl0b3IgdG9vbHRpcHMuICovXG4gIGRlc2NyaXB0aW9uOiBzdHJpbmc7XG4gIC8qKiBUaGUgdmFsdWUgdXNlZCB3aGVuIHRoZSBmaWVsZCBpcyBhYnNlbnQgKGFsc28gdGhlIHNjaGVtYSdzIGBkZWZhdWx0YCkuICovXG4gIGRlZmF1bHQ/OiBzdHJpbmcgfCBib29sZWFuO1xuICAvKiogV2hhdCBoYXBwZW5zIHdoZW4gdGhlIGZpZWxkIGlzIGFic2VudCwgd2hlbiB0aGF0IGlzIG5vdCBhIGxpdGVyYWwgdmFsdWUgKGRvY3Mgb25seSkuICovXG4gIGRlZmF1bHROb3RlPzogc3RyaW5nO1xufVxuZXhwb3J0IHR5cGUgRmllbGRUYWJsZSA9IFJlYWRvbmx5PFJlY29yZDxzdHJpbmcsIEZpZWxkRGVmPj47XG5cbi8qKlxuICogWUFNTCAxLjEgc3BlbGxpbmdzIG9mIGJvb2xlYW5zLiBUaGUgZWFybGllciBpbXBsZW1lbnRhdGlvbiAoR28geWFtbC52MykgYWNjZXB0ZWQgdGhlbSBmb3IgaXRzXG4gKiBib29sZWFuIGZpZWxkcywgc28gZmlsZXMgdXNpbmcgdGhlbSBtdXN0IGtlZXAgbG9hZGluZzsgdGhleSBhcmUgbm9ybWFsaXNlZCB0byB0cnVlL2ZhbHNlLlxuICovXG5leHBvcnQgY29uc3QgWUFNTDExX1RSVUUgPSBbXCJ5XCIsIFwiWVwiLCBcInllc1wiLCBcIlllc1wiLCBcIllFU1wiLCBcIm9uXCIsIFwiT25cIiwgXCJPTlwiXSBhcyBjb25zdDtcbmV4cG9ydCBjb25zdCBZQU1MMTFfRkFMU0UgPSBbXCJuXCIsIFwiTlwiLCBcIm5vXCIsIFwiTm9cIiwgXCJOT1wiLCBcIm9mZlwiLCBcIk9mZlwiLCBcIk9GRlwiXSBhcyBjb25zdDtcblxuLyoqXG4gKiBMb25nZXN0IGNsdXN0ZXIgbmFtZTogc2VydmVyIG5hbWVzIGA8bmFtZT4tY3AtMWAgYXJlIFJGQyAxMTIzIGhvc3QgbmFtZXMgd2hvc2UgbGFiZWxzIG1heVxuICogaGF2ZSBhdCBtb3N0IDYzIGNoYXJhY3RlcnMgKHRoZSBlYXJsaWVyIGltcGxlbWVudGF0aW9uIGFsbG93ZWQgNjMgYW5kIGZhaWxlZCBhdCBhcHBseSB0aW1lKS5cbiAqL1xuZXhwb3J0IGNvbnN0IE1BWF9OQU1FX0xFTkdUSCA9IDU4O1xuLyoqIExvbmdlc3QgbmFtZSB3aXRoIGBiYWNrdXA6IHRydWVgOiB0aGUgYnVja2V0IGA8bmFtZT4tZXRjZC1iYWNrdXBzYCBtdXN0IGZpdCBTMydzIDYzIGNoYXJhY3RlcnMuICovXG5leHBvcnQgY29uc3QgTUFYX05BTUVfTEVOR1RIX1dJVEhfQkFDS1VQID0gNTA7XG5leHBvcnQgY29uc3QgQkFDS1VQX0JVQ0tFVF9TVUZGSVggPSBcIi1ldGNkLWJhY2t1cHNcIjtcblxuY29uc3QgTkFNRV9QQVRURVJOID0gbmV3IFJlZ0V4cChgXig/IS4qLS0pW2Etel0oPzpbYS16MC05LV17MCwke01BWF9OQU1FX0xFTkdUSCAtIDJ9fVthLXowLTldKT8kYCk7XG5cbmZ1bmN0aW9uIGV4cGxhaW5OYW1lKHZhbHVlOiBzdHJpbmcpOiBzdHJpbmcge1xuICBpZiAodmFsdWUubGVuZ3RoID09PSAwKSByZXR1cm4gXCJtdXN0IG5vdCBiZSBlbXB0eVwiO1xuICBpZiAodmFsdWUubGVuZ3RoID4gTUFYX05BTUVfTEVOR1RIKSB7XG4gICAgcmV0dXJuIGBpcyAke3ZhbHVlLmxlbmd0aH0gY2hhcmFjdGVycyBsb25nOyBhdCBtb3N0ICR7TUFYX05BTUVfTEVOR1RIfSBzbyBzZXJ2ZXIgbmFtZXMgbGlrZSBcIjxuYW1lPi1jcC0xXCIgc3RheSB2YWxpZCBob3N0IG5hbWVzYDtcbiAgfVxuICBjb25zdCBiYWQgPSBbLi4udmFsdWVdLmZpbmQoKGMpID0+ICEvW2EtejAtOS1dLy50ZXN0KGMpKTtcbiAgaWYgKGJhZCAhPT0gdW5kZWZpbmVkKSB7XG4gICAgY29uc3Qgc2FmZSA9IHZhbHVlLnRvTG93ZXJDYXNlKCkucmVwbGFjZSgvW15hLXowLTktXSsvZywgXCItXCIpLnJlcGxhY2UoLy17Mix9L2csIFwiLVwiKS5yZXBsYWNlKC9eW15hLXpdK3wtKyQvZywgXCJcIik7XG4gICAgY29uc3QgaGludCA9IE5BTUVfUEFUVEVSTi50ZXN0KHNhZmUpID8gYCAoZS5nLiBcIiR7c2FmZX1cIilgIDogXCJcIjtcbiAgICByZXR1cm4gYGNvbnRhaW5zIFwiJHtiYWR9XCI7IG9ubHkgbG93ZXJjYXNlIGxldHRlcnMsIGRpZ2l0cyBhbmQgXCItXCIgYXJlIGFsbG93ZWQke2hpbnR9YDtcbiAgfVxuICBpZiAoIS9eW2Etel0vLnRlc3QodmFsdWUpKSByZXR1cm4gXCJtdXN0IHN0YXJ0IHdpdGggYSBsb3dlcmNhc2UgbGV0dGVyXCI7XG4gIGlmICh2YWx1ZS5lbmRzV2l0aChcIi1cIikpIHJldHVybiBgbXVzdCBlbmQgd2l0aCBhIGxldHRlciBvciBkaWdpdCwgbm90IFwiLVwiYDtcbiAgaWYgKHZhbHVlLmluY2x1ZGVzKFwiLS1cIikpIHJldHVybiBgbXVzdCBub3QgY29udGFpbiBcIi0tXCJgO1xuICByZXR1cm4gXCJpcyBub3QgYSBETlMtc2FmZSBuYW1lXCI7XG59XG5cbi8qKiBUaGUgZWFybGllciBpbXBsZW1lbnRhdGlvbidzIGRvbWFpbiBydWxlIChpbnZlbnRvcnkgwqcyLjEpLCBrZXB0IHNvIGV4aXN0aW5nIGZpbGVzIHN0YXkgdmFsaWQuICovXG5jb25zdCBET01BSU5fUEFUVEVSTiA9XG4gIC9eW2EtekEtWjAtOV0oPzpbYS16QS1aMC05LV0qW2EtekEtWjAtOV0pPyg/OlxcLlthLXpBLVowLTldKD86W2EtekEtWjAtOS1dKlthLXpBLVowLTldKT8pKlxcLlthLXpBLVpdezIsfSQvO1xuXG5mdW5jdGlvbiBleHBsYWluRG9tYWluKHZhbHVlOiBzdHJpbmcpOiBzdHJpbmcge1xuICBpZiAodmFsdWUubGVuZ3RoID4gMjUzKSByZXR1cm4gYGlzICR7dmFsdWUubGVuZ3RofSBjaGFyYWN0ZXJzIGxvbmc7IGEgZG9tYWluIG5hbWUgaGFzIGF0IG1vc3QgMjUzYDtcbiAgaWYgKHZhbHVlLmluY2x1ZGVzKFwiOi8vXCIpKSByZXR1cm4gYG11c3QgYmUgYSBiYXJlIGRvbWFpbiBuYW1lIGxpa2UgXCJleGFtcGxlLmNvbVwiLCB3aXRob3V0IGEgc2NoZW1lYDtcbiAgaWYgKC9bLzpAXFxzXS8udGVzdCh2YWx1ZSkpIHJldHVybiBgbXVzdCBiZSBhIGJhcmUgZG9tYWluIG5hbWUgbGlrZSBcImV4YW1wbGUuY29tXCIsIHdpdGhvdXQgcGF0aCwgcG9ydCBvciBzcGFjZXNgO1xuICBpZiAoIXZhbHVlLmluY2x1ZGVzKFwiLlwiKSkgcmV0dXJuIGBuZWVkcyBhIHRvcC1sZXZlbCBkb21haW4sIGxpa2UgXCJleGFtcGxlLmNvbVwiYDtcbiAgcmV0dXJuIGBpcyBub3QgYSBkb21haW4gbmFtZSBsaWtlIFwiZXhhbXBsZS5jb21cIiBvciBcIms4cy5leGFtcGxlLm9yZ1wiYDtcbn1cblxuY29uc3QgRU1BSUxfUEFUVEVSTiA9IC9eW15AXFxzXStAW15AXFxzLl0rKD86XFwuW15AXFxzLl0rKSpcXC5bYS16QS1aXXsyLH0kLztcblxuY29uc3QgU1VCRE9NQUlOX1BBVFRFUk4gPVxuICAvXlthLXpBLVowLTldKD86W2EtekEtWjAtOS1dezAsNjF9W2EtekEtWjAtOV0pPyg/OlxcLlthLXpBLVowLTldKD86W2EtekEtWjAtOS1dezAsNjF9W2EtekEtWjAtOV0pPykqJC87XG5cbmZ1bmN0aW9uIGV4cGxhaW5TdWJkb21haW4oZXhhbXBsZTogc3RyaW5nKTogKHZhbHVlOiBzdHJpbmcpID0+IHN0cmluZyB7XG4gIHJldHVybiAodmFsdWUpID0+IHtcbiAgICBpZiAodmFsdWUuc3BsaXQoXCIuXCIpLnNvbWUoKHApID0+IHAgPT09IFwiXCIpKSByZXR1cm4gXCJoYXMgYW4gZW1wdHkgcGFydCBiZXR3ZWVuIGRvdHNcIjtcbiAgICByZXR1cm4gYGlzIG5vdCBhIGhvc3QtbmFtZSBwcmVmaXggbGlrZSBcIiR7ZXhhbXBsZX1cIiAobGV0dGVycywgZGlnaXRzIGFuZCBcIi1cIiwgbm90IHN0YXJ0aW5nIG9yIGVuZGluZyB3aXRoIFwiLVwiKWA7XG4gIH07XG59XG5cbmZ1bmN0aW9uIGV4cGxhaW5SZWZ1c2VkU2l6ZSh2YWx1ZTogc3RyaW5nKTogc3RyaW5nIHwgdW5kZWZpbmVkIHtcbiAgaWYgKC9eY2F4XFxkL2kudGVzdCh2YWx1ZSkpIHJldHVybiBgXCIke3ZhbHVlfVwiIGlzIGFuIEFSTSBzZXJ2ZXIgdHlwZTsgazh6bmVyIGJ1aWxkcyBhbWQ2NCBub2RlcyBvbmx5YDtcbiAgaWYgKC9eY2N4XFxkL2kudGVzdCh2YWx1ZSkpIHJldHVybiBgXCIke3ZhbHVlfVwiIGlzIGEgZGVkaWNhdGVkLXZDUFUgdHlwZTsgazh6bmVyIG9mZmVycyB0aGUgc2hhcmVkIENYIGFuZCBDUFggdHlwZXNgO1xuICByZXR1cm4gdW5kZWZpbmVkO1xufVxuXG5jb25zdCBzaXplTGlzdCA9IFNFUlZFUl9TSVpFUy5tYXAoKHMpID0+IHtcbiAgY29uc3Qgc3BlYyA9IFNJWkVfU1BFQ1Nbc107XG4gIHJldHVybiBgJHtzfSAoJHtzcGVjLmNvcmVzfSB2Q1BVLCAke3NwZWMubWVtb3J5R2J9IEdCKWA7XG59KS5qb2luKFwiLCBcIik7XG5cbmNvbnN0IFNJWkVfVFlQRTogRW51bVR5cGUgPSB7XG4gIGtpbmQ6IFwiZW51bVwiLFxuICB2YWx1ZXM6IFNFUlZFUl9TSVpFUyxcbiAgbGVnYWN5OiBMRUdBQ1lfU0laRVMsXG4gIGFsbG93ZWQ6IFNFUlZFUl9TSVpFUy5qb2luKFwiLCBcIiksXG4gIGV4cGxhaW5SZWZ1c2VkOiBleHBsYWluUmVmdXNlZFNpemUsXG59O1xuXG4vKiogRXZlcnkgZmllbGQgb2Ygazh6bmVyLnlhbWwuIE9yZGVyIGhlcmUgaXMgdGhlIG9yZGVyIG9mIHRoZSBkb2NzLCB0aGUgc2NoZW1hIGFuZCByZW5kZXJlZCBmaWxlcy4gKi9cbmV4cG9ydCBjb25zdCBTUEVDX0ZJRUxEUzogRmllbGRUYWJsZSA9IHtcbiAgbmFtZToge1xuICAgIHR5cGU6IHtcbiAgICAgIGtpbmQ6IFwic3RyaW5nXCIsXG4gICAgICBwYXR0ZXJuOiBOQU1FX1BBVFRFUk4sXG4gICAgICBtYXhMZW5ndGg6IE1BWF9OQU1FX0xFTkdUSCxcbiAgICAgIGFsbG93ZWQ6XG4gICAgICAgIGAxLSR7TUFYX05BTUVfTEVOR1RIfSBsb3dlcmNhc2UgbGV0dGVycywgZGlnaXRzIGFuZCBcIi1cIiwgc3RhcnRpbmcgd2l0aCBhIGxldHRlciwgZW5kaW5nIHdpdGggYSBsZXR0ZXIgb3IgZGlnaXQsIG5vIFwiLS1cImAsXG4gICAgICBleHBsYWluOiBleHBsYWluTmFtZSxcbiAgICB9LFxuICAgIHJlcXVpcmVkOiB0cnVlLFxuICAgIGRlc2NyaXB0aW9uOlxuICAgICAgXCJDbHVzdGVyIG5hbWUuIFByZWZpeGVzIGV2ZXJ5IEhldHpuZXIgcmVzb3VyY2UgKG5ldHdvcmssIGZpcmV3YWxsLCBgPG5hbWU+LWt1YmVgIGxvYWQgYmFsYW5jZXIsIHNlcnZlcnMgYDxuYW1lPi1jcC0xYCwgYDxuYW1lPi13LTFgKSBhbmQgaXMgdGhlaXIgYGs4em5lci5pby9jbHVzdGVyYCBsYWJlbC5cIixcbiAgfSxcbiAgcmVnaW9uOiB7XG4gICAgdHlwZToge1xuICAgICAga2luZDogXCJlbnVtXCIsXG4gICAgICB2YWx1ZXM6IFJFR0lPTlMsXG4gICAgICBhbGxvd2VkOiBSRUdJT05TLm1hcCgocikgPT4gYCR7cn0gKCR7UkVHSU9OX05BTUVTW3JdfSlgKS5qb2luKFwiLCBcIiksXG4gICAgfSxcbiAgICByZXF1aXJlZDogdHJ1ZSxcbiAgICBkZXNjcmlwdGlvbjogXCJIZXR6bmVyIGxvY2F0aW9uIG9mIGFsbCBzZXJ2ZXJzIGFuZCB0aGUgbG9hZCBiYWxhbmNlciAoRVUgbG9jYXRpb25zLCB3aGVyZSBDWC9DUFggdHlwZXMgZXhpc3QpLlwiLFxuICB9LFxuICBtb2RlOiB7XG4gICAgdHlwZTogeyBraW5kOiBcImVudW1cIiwgdmFsdWVzOiBNT0RFUywgYWxsb3dlZDogXCJkZXYgKDEgY29udHJvbCBwbGFuZSksIGhhICgzIGNvbnRyb2wgcGxhbmVzKVwiIH0sXG4gICAgcmVxdWlyZWQ6IHRydWUsXG4gICAgZGVzY3JpcHRpb246IFwiYGRldmA6IG9uZSBjb250cm9sIHBsYW5lIHRoYXQgYWxzbyBydW5zIHdvcmtsb2Fkcy4gYGhhYDogdGhyZWUgY29udHJvbCBwbGFuZXMgc3ByZWFkIG92ZXIgaG9zdHMuXCIsXG4gIH0sXG4gIHdvcmtlcnM6IHtcbiAgICB0eXBlOiB7XG4gICAgICBraW5kOiBcIm9iamVjdFwiLFxuICAgICAgZmllbGRzOiB7XG4gICAgICAgIGNvdW50OiB7XG4gICAgICAgICAgdHlwZTogeyBraW5kOiBcImludGVnZXJcIiwgbWluaW11bTogTUlOX1dPUktFUlMsIG1heGltdW06IE1BWF9XT1JLRVJTIH0sXG4gICAgICAgICAgcmVxdWlyZWQ6IHRydWUsXG4gICAgICAgICAgZGVzY3JpcHRpb246IFwiTnVtYmVyIG9mIHdvcmtlciBzZXJ2ZXJzLCBuYW1lZCBgPG5hbWU+LXctMWAg4oCmIGA8bmFtZT4tdy1OYC5cIixcbiAgICAgICAgfSxcbiAgICAgICAgc2l6ZToge1xuICAgICAgICAgIHR5cGU6IFNJWkVfVFlQRSxcbiAgICAgICAgICByZXF1aXJlZDogdHJ1ZSxcbiAgICAgICAgICBkZXNjcmlwdGlvbjpcbiAgICAgICAgICAgIGBIZXR6bmVyIHNlcnZlciB0eXBlIG9mIHRoZSB3b3JrZXJzOiAke3NpemVMaXN0fS4gUmV0aXJlZCBuYW1lcyBjeDIyL2N4MzIvY3g0Mi9jeDUyIGFyZSBhY2NlcHRlZCBhbmQgbWVhbiBjeDIzL2N4MzMvY3g0My9jeDUzLmAsXG4gICAgICAgIH0sXG4gICAgICB9LFxuICAgIH0sXG4gICAgcmVxdWlyZWQ6IHRydWUsXG4gICAgZGVzY3JpcHRpb246IFwiV29ya2VyIHBvb2wuXCIsXG4gIH0sXG4gIGNvbnRyb2xfcGxhbmU6IHtcbiAgICB0eXBlOiB7XG4gICAgICBraW5kOiBcIm9iamVjdFwiLFxuICAgICAgZmllbGRzOiB7XG4gICAgICAgIHNpemU6IHtcbiAgICAgICAgICB0eXBlOiBTSVpFX1RZUEUsXG4gICAgICAgICAgcmVxdWlyZWQ6IGZhbHNlLFxuICAgICAgICAgIGRlZmF1bHQ6IERFRkFVTFRfQ09OVFJPTF9QTEFORV9TSVpFLFxuICAgICAgICAgIGRlc2NyaXB0aW9uOiBcIkhldHpuZXIgc2VydmVyIHR5cGUgb2YgdGhlIGNvbnRyb2wgcGxhbmVzIChzYW1lIGNob2ljZXMgYXMgYHdvcmtlcnMuc2l6ZWApLlwiLFxuICAgICAgICB9LFxuICAgICAgfSxcbiAgICB9LFxuICAgIHJlcXVpcmVkOiBmYWxzZSxcbiAgICBkZXNjcmlwdGlvbjogXCJDb250cm9sLXBsYW5lIHNldHRpbmdzOyB0aGUgY291bnQgZm9sbG93cyBgbW9kZWAuXCIsXG4gIH0sXG4gIGRvbWFpbjoge1xuICAgIHR5cGU6IHtcbiAgICAgIGtpbmQ6IFwic3RyaW5nXCIsXG4gICAgICBwYXR0ZXJuOiBET01BSU5fUEFUVEVSTixcbiAgICAgIG1heExlbmd0aDogMjUzLFxuICAgICAgYWxsb3dlZDogYGEgZG9tYWluIG5hbWUgbGlrZSBcImV4YW1wbGUuY29tXCIgbWFuYWdlZCBpbiBDbG91ZGZsYXJlYCxcbiAgICAgIGV4cGxhaW46IGV4cGxhaW5Eb21haW4sXG4gICAgfSxcbiAgICByZXF1aXJlZDogZmFsc2UsXG4gICAgZGVzY3JpcHRpb246XG4gICAgICBcIkRvbWFpbiBmb3IgaW5ncmVzcyBob3N0cyAoQXJnb0NELCBHcmFmYW5hKSwgRE5TIHJlY29yZHMgKGV4dGVybmFsLWRucykgYW5kIExldCdzIEVuY3J5cHQgY2VydGlmaWNhdGVzIHZpYSBDbG91ZGZsYXJlIEROUy0wMS4gTmVlZHMgYENGX0FQSV9UT0tFTmAgaW4gdGhlIGVudmlyb25tZW50LlwiLFxuICB9LFxuICBjZXJ0X2VtYWlsOiB7XG4gICAgdHlwZToge1xuICAgICAga2luZDogXCJzdHJpbmdcIixcbiAgICAgIHBhdHRlcm46IEVNQUlMX1BBVFRFUk4sXG4gICAgICBtYXhMZW5ndGg6IDI1NCxcbiAgICAgIGFsbG93ZWQ6IGBhbiBlLW1haWwgYWRkcmVzcyBsaWtlIFwib3BzQGV4YW1wbGUuY29tXCJgLFxuICAgICAgZXhwbGFpbjogKCkgPT4gYGlzIG5vdCBhbiBlLW1haWwgYWRkcmVzcyBsaWtlIFwib3BzQGV4YW1wbGUuY29tXCJgLFxuICAgIH0sXG4gICAgcmVxdWlyZWQ6IGZhbHNlLFxuICAgIGRlZmF1bHROb3RlOiBcImBhZG1pbkA8ZG9tYWluPmBcIixcbiAgICBkZXNjcmlwdGlvbjogXCJDb250YWN0IGFkZHJlc3MgZm9yIExldCdzIEVuY3J5cHQgKHVzZWQgb25seSB3aXRoIGBkb21haW5gKS5cIixcbiAgfSxcbiAgYXJnb19zdWJkb21haW46IHtcbiAgICB0eXBlOiB7XG4gICAgICBraW5kOiBcInN0cmluZ1wiLFxuICAgICAgcGF0dGVybjogU1VCRE9NQUlOX1BBVFRFUk4sXG4gICAgICBtYXhMZW5ndGg6IDYzLFxuICAgICAgYWxsb3dlZDogYGEgaG9zdC1uYW1lIHByZWZpeCBsaWtlIFwiYXJnb1wiYCxcbiAgICAgIGV4cGxhaW46IGV4cGxhaW5TdWJkb21haW4oXCJhcmdvXCIpLFxuICAgIH0sXG4gICAgcmVxdWlyZWQ6IGZhbHNlLFxuICAgIGRlZmF1bHQ6IFwiYXJnb1wiLFxuICAgIGRlc2NyaXB0aW9uOiBcIkFyZ29DRCBpcyBzZXJ2ZWQgYXQgYDxhcmdvX3N1YmRvbWFpbj4uPGRvbWFpbj5gICh1c2VkIG9ubHkgd2l0aCBgZG9tYWluYCkuXCIsXG4gIH0sXG4gIG1vbml0b3Jpbmc6IHtcbiAgICB0eXBlOiB7IGtpbmQ6IFwiYm9vbGVhblwiIH0sXG4gICAgcmVxdWlyZWQ6IGZhbHNlLFxuICAgIGRlZmF1bHQ6IGZhbHNlLFxuICAgIGRlc2NyaXB0aW9uOiBcIkluc3RhbGwga3ViZS1wcm9tZXRoZXVzLXN0YWNrIChQcm9tZXRoZXVzLCBHcmFmYW5hLCBBbGVydG1hbmFnZXIpLlwiLFxuICB9LFxuICBncmFmYW5hX3N1YmRvbWFpbjoge1xuICAgIHR5cGU6IHtcbiAgICAgIGtpbmQ6IFwic3RyaW5nXCIsXG4gICAgICBwYXR0ZXJuOiBTVUJET01BSU5fUEFUVEVSTixcbiAgICAgIG1heExlbmd0aDogNjMsXG4gICAgICBhbGxvd2VkOiBgYSBob3N0LW5hbWUgcHJlZml4IGxpa2UgXCJncmFmYW5hXCJgLFxuICAgICAgZXhwbGFpbjogZXhwbGFpblN1YmRvbWFpbihcImdyYWZhbmFcIiksXG4gICAgfSxcbiAgICByZXF1aXJlZDogZmFsc2UsXG4gICAgZGVmYXVsdDogXCJncmFmYW5hXCIsXG4gICAgZGVzY3JpcHRpb246IFwiR3JhZmFuYSBpcyBzZXJ2ZWQgYXQgYDxncmFmYW5hX3N1YmRvbWFpbj4uPGRvbWFpbj5gICh1c2VkIHdpdGggYGRvbWFpbmAgYW5kIGBtb25pdG9yaW5nYCkuXCIsXG4gIH0sXG4gIGJhY2t1cDoge1xuICAgIHR5cGU6IHsga2luZDogXCJib29sZWFuXCIgfSxcbiAgICByZXF1aXJlZDogZmFsc2UsXG4gICAgZGVmYXVsdDogZmFsc2UsXG4gICAgZGVzY3JpcHRpb246XG4gICAgICBcIkhvdXJseSBldGNkIHNuYXBzaG90cyB0byBIZXR6bmVyIE9iamVjdCBTdG9yYWdlIGJ1Y2tldCBgPG5hbWU+LWV0Y2QtYmFja3Vwc2AuIE5lZWRzIGBIRVRaTkVSX1MzX0FDQ0VTU19LRVlgIGFuZCBgSEVUWk5FUl9TM19TRUNSRVRfS0VZYCBpbiB0aGUgZW52aXJvbm1lbnQuXCIsXG4gIH0sXG4gIGFwaV9hbGxvd2xpc3Q6IHtcbiAgICB0eXBlOiB7IGtpbmQ6IFwiY2lkci1saXN0XCIgfSxcbiAgICByZXF1aXJlZDogZmFsc2UsXG4gICAgZGVmYXVsdE5vdGU6IFwidGhlIHB1YmxpYyBJUCBvZiB0aGUgbWFjaGluZSBydW5uaW5nIGFwcGx5XCIsXG4gICAgZGVzY3JpcHRpb246XG4gICAgICBcIklQdjQvSVB2NiBDSURScyBhbGxvd2VkIHRvIHJlYWNoIHRoZSBLdWJlcm5ldGVzIEFQSSAoNjQ0MykgYW5kIFRhbG9zIEFQSSAoNTAwMDApIG9uIHRoZSBub2Rlcy4gQSBiYXJlIGFkZHJlc3MgbWVhbnMgdGhhdCBvbmUgaG9zdDsgaG9zdCBiaXRzIGJlbG93IHRoZSBwcmVmaXggYXJlIGFuIGVycm9yLlwiLFxuICB9LFxufTtcblxuLyoqIFBhdGhzIG9mIGFsbCBmaWVsZHMsIGRvdHRlZCAoYHdvcmtlcnMuY291bnRgKSwgaW4gdGFibGUgb3JkZXIuICovXG5leHBvcnQgZnVuY3Rpb24gZmllbGRQYXRocyh0YWJsZTogRmllbGRUYWJsZSA9IFNQRUNfRklFTERTLCBwcmVmaXggPSBcIlwiKTogc3RyaW5nW10ge1xuICBjb25zdCBvdXQ6IHN0cmluZ1tdID0gW107XG4gIGZvciAoY29uc3QgW2tleSwgZGVmXSBvZiBPYmplY3QuZW50cmllcyh0YWJsZSkpIHtcbiAgICBjb25zdCBwYXRoID0gcHJlZml4ICsga2V5O1xuICAgIG91dC5wdXNoKHBhdGgpO1xuICAgIGlmIChkZWYudHlwZS5raW5kID09PSBcIm9iamVjdFwiKSBvdXQucHVzaCguLi5maWVsZFBhdGhzKGRlZi50eXBlLmZpZWxkcywgcGF0aCArIFwiLlwiKSk7XG4gIH1cbiAgcmV0dXJuIG91dDtcbn1cblxuLyoqIFRoZSBkZWZpbml0aW9uIG9mIGEgZG90dGVkIHBhdGgsIGlmIGl0IG5hbWVzIGEgZmllbGQuICovXG5leHBvcnQgZnVuY3Rpb24gZmllbGRBdChwYXRoOiBzdHJpbmcpOiBGaWVsZERlZiB8IHVuZGVmaW5lZCB7XG4gIGxldCB0YWJsZTogRmllbGRUYWJsZSB8IHVuZGVmaW5lZCA9IFNQRUNfRklFTERTO1xuICBsZXQgZGVmOiBGaWVsZERlZiB8IHVuZGVmaW5lZDtcbiAgZm9yIChjb25zdCBrZXkgb2YgcGF0aC5zcGxpdChcIi5cIikpIHtcbiAgICBkZWYgPSB0YWJsZSAhPT0gdW5kZWZpbmVkICYmIE9iamVjdC5oYXNPd24odGFibGUsIGtleSkgPyB0YWJsZVtrZXldIDogdW5kZWZpbmVkO1xuICAgIGlmIChkZWYgPT09IHVuZGVmaW5lZCkgcmV0dXJuIHVuZGVmaW5lZDtcbiAgICB0YWJsZSA9IGRlZi50eXBlLmtpbmQgPT09IFwib2JqZWN0XCIgPyBkZWYudHlwZS5maWVsZHMgOiB1bmRlZmluZWQ7XG4gIH1cbiAgcmV0dXJuIGRlZjtcbn1cblxuLyoqIFRoZSBcImFsbG93ZWRcIiB0ZXh0IG9mIGEgZmllbGQgdHlwZSwgZm9yIG1lc3NhZ2VzIGFuZCBkb2NzLiAqL1xuZXhwb3J0IGZ1bmN0aW9uIGFsbG93ZWRUZXh0KHR5cGU6IEZpZWxkVHlwZSk6IHN0cmluZyB7XG4gIHN3aXRjaCAodHlwZS5raW5kKSB7XG4gICAgY2FzZSBcInN0cmluZ1wiOlxuICAgICAgcmV0dXJuIHR5cGUuYWxsb3dlZDtcbiAgICBjYXNlIFwiZW51bVwiOlxuICAgICAgcmV0dXJuIHR5cGUuYWxsb3dlZCA/PyB0eXBlLnZhbHVlcy5qb2luKFwiLCBcIik7XG4gICAgY2FzZSBcImludGVnZXJcIjpcbiAgICAgIHJldHVybiBgYSB3aG9sZSBudW1iZXIgZnJvbSAke3R5cGUubWluaW11bX0gdG8gJHt0eXBlLm1heGltdW19YDtcbiAgICBjYXNlIFwiYm9vbGVhblwiOlxuICAgICAgcmV0dXJuIFwidHJ1ZSBvciBmYWxzZVwiO1xuICAgIGNhc2UgXCJjaWRyLWxpc3RcIjpcbiAgICAgIHJldHVybiBgYSBsaXN0IG9mIENJRFJzIGxpa2UgW1wiMjAzLjAuMTEzLjAvMjRcIiwgXCIyMDAxOmRiODo6LzMyXCJdYDtcbiAgICBjYXNlIFwib2JqZWN0XCI6XG4gICAgICByZXR1cm4gYGEgbWFwcGluZyB3aXRoICR7T2JqZWN0LmtleXModHlwZS5maWVsZHMpLmpvaW4oXCIsIFwiKX1gO1xuICB9XG59XG4iXSwibmFtZXMiOltdLCJtYXBwaW5ncyI6IkFBQUE7Ozs7OztDQU1DLEdBQ0QsU0FDRSwwQkFBMEIsRUFDMUIsWUFBWSxFQUNaLFdBQVcsRUFDWCxXQUFXLEVBQ1gsS0FBSyxFQUNMLFlBQVksRUFDWixPQUFPLEVBQ1AsWUFBWSxFQUNaLFVBQVUsUUFDTCxZQUFZO0FBcURuQjs7O0NBR0MsR0FDRCxPQUFPLE1BQU0sY0FBYztFQUFDO0VBQUs7RUFBSztFQUFPO0VBQU87RUFBTztFQUFNO0VBQU07Q0FBSyxDQUFVO0FBQ3RGLE9BQU8sTUFBTSxlQUFlO0VBQUM7RUFBSztFQUFLO0VBQU07RUFBTTtFQUFNO0VBQU87RUFBTztDQUFNLENBQVU7QUFFdkY7OztDQUdDLEdBQ0QsT0FBTyxNQUFNLGtCQUFrQixHQUFHO0FBQ2xDLG9HQUFvRyxHQUNwRyxPQUFPLE1BQU0sOEJBQThCLEdBQUc7QUFDOUMsT0FBTyxNQUFNLHVCQUF1QixnQkFBZ0I7QUFFcEQsTUFBTSxlQUFlLElBQUksT0FBTyxDQUFDLDZCQUE2QixFQUFFLGtCQUFrQixFQUFFLFlBQVksQ0FBQztBQUVqRyxTQUFTLFlBQVksS0FBYTtFQUNoQyxJQUFJLE1BQU0sTUFBTSxLQUFLLEdBQUcsT0FBTztFQUMvQixJQUFJLE1BQU0sTUFBTSxHQUFHLGlCQUFpQjtJQUNsQyxPQUFPLENBQUMsR0FBRyxFQUFFLE1BQU0sTUFBTSxDQUFDLDBCQUEwQixFQUFFLGdCQUFnQix5REFBeUQsQ0FBQztFQUNsSTtFQUNBLE1BQU0sTUFBTTtPQUFJO0dBQU0sQ0FBQyxJQUFJLENBQUMsQ0FBQyxJQUFNLENBQUMsWUFBWSxJQUFJLENBQUM7RUFDckQsSUFBSSxRQUFRLFdBQVc7SUFDckIsTUFBTSxPQUFPLE1BQU0sV0FBVyxHQUFHLE9BQU8sQ0FBQyxnQkFBZ0IsS0FBSyxPQUFPLENBQUMsVUFBVSxLQUFLLE9BQU8sQ0FBQyxpQkFBaUI7SUFDOUcsTUFBTSxPQUFPLGFBQWEsSUFBSSxDQUFDLFFBQVEsQ0FBQyxRQUFRLEVBQUUsS0FBSyxFQUFFLENBQUMsR0FBRztJQUM3RCxPQUFPLENBQUMsVUFBVSxFQUFFLElBQUkscURBQXFELEVBQUUsTUFBTTtFQUN2RjtFQUNBLElBQUksQ0FBQyxTQUFTLElBQUksQ0FBQyxRQUFRLE9BQU87RUFDbEMsSUFBSSxNQUFNLFFBQVEsQ0FBQyxNQUFNLE9BQU8sQ0FBQyx3Q0FBd0MsQ0FBQztFQUMxRSxJQUFJLE1BQU0sUUFBUSxDQUFDLE9BQU8sT0FBTyxDQUFDLHFCQUFxQixDQUFDO0VBQ3hELE9BQU87QUFDVDtBQUVBLGtHQUFrRyxHQUNsRyxNQUFNLGlCQUNKO0FBRUYsU0FBUyxjQUFjLEtBQWE7RUFDbEMsSUFBSSxNQUFNLE1BQU0sR0FBRyxLQUFLLE9BQU8sQ0FBQyxHQUFHLEVBQUUsTUFBTSxNQUFNLENBQUMsK0NBQStDLENBQUM7RUFDbEcsSUFBSSxNQUFNLFFBQVEsQ0FBQyxRQUFRLE9BQU8sQ0FBQywrREFBK0QsQ0FBQztFQUNuRyxJQUFJLFVBQVUsSUFBSSxDQUFDLFFBQVEsT0FBTyxDQUFDLDJFQUEyRSxDQUFDO0VBQy9HLElBQUksQ0FBQyxNQUFNLFFBQVEsQ0FBQyxNQUFNLE9BQU8sQ0FBQyw0Q0FBNEMsQ0FBQztFQUMvRSxPQUFPLENBQUMsNERBQTRELENBQUM7QUFDdkU7QUFFQSxNQUFNLGdCQUFnQjtBQUV0QixNQUFNLG9CQUNKO0FBRUYsU0FBUyxpQkFBaUIsT0FBZTtFQUN2QyxPQUFPLENBQUM7SUFDTixJQUFJLE1BQU0sS0FBSyxDQUFDLEtBQUssSUFBSSxDQUFDLENBQUMsSUFBTSxNQUFNLEtBQUssT0FBTztJQUNuRCxPQUFPLENBQUMsZ0NBQWdDLEVBQUUsUUFBUSw0REFBNEQsQ0FBQztFQUNqSDtBQUNGO0FBRUEsU0FBUyxtQkFBbUIsS0FBYTtFQUN2QyxJQUFJLFVBQVUsSUFBSSxDQUFDLFFBQVEsT0FBTyxDQUFDLENBQUMsRUFBRSxNQUFNLHVEQUF1RCxDQUFDO0VBQ3BHLElBQUksVUFBVSxJQUFJLENBQUMsUUFBUSxPQUFPLENBQUMsQ0FBQyxFQUFFLE1BQU0scUVBQXFFLENBQUM7RUFDbEgsT0FBTztBQUNUO0FBRUEsTUFBTSxXQUFXLGFBQWEsR0FBRyxDQUFDLENBQUM7RUFDakMsTUFBTSxPQUFPLFVBQVUsQ0FBQyxFQUFFO0VBQzFCLE9BQU8sR0FBRyxFQUFFLEVBQUUsRUFBRSxLQUFLLEtBQUssQ0FBQyxPQUFPLEVBQUUsS0FBSyxRQUFRLENBQUMsSUFBSSxDQUFDO0FBQ3pELEdBQUcsSUFBSSxDQUFDO0FBRVIsTUFBTSxZQUFzQjtFQUMxQixNQUFNO0VBQ04sUUFBUTtFQUNSLFFBQVE7RUFDUixTQUFTLGFBQWEsSUFBSSxDQUFDO0VBQzNCLGdCQUFnQjtBQUNsQjtBQUVBLG9HQUFvRyxHQUNwRyxPQUFPLE1BQU0sY0FBMEI7RUFDckMsTUFBTTtJQUNKLE1BQU07TUFDSixNQUFNO01BQ04sU0FBUztNQUNULFdBQVc7TUFDWCxTQUNFLENBQUMsRUFBRSxFQUFFLGdCQUFnQixrR0FBa0csQ0FBQztNQUMxSCxTQUFTO0lBQ1g7SUFDQSxVQUFVO0lBQ1YsYUFDRTtFQUNKO0VBQ0EsUUFBUTtJQUNOLE1BQU07TUFDSixNQUFNO01BQ04sUUFBUTtNQUNSLFNBQVMsUUFBUSxHQUFHLENBQUMsQ0FBQyxJQUFNLEdBQUcsRUFBRSxFQUFFLEVBQUUsWUFBWSxDQUFDLEVBQUUsQ0FBQyxDQUFDLENBQUMsRUFBRSxJQUFJLENBQUM7SUFDaEU7SUFDQSxVQUFVO0lBQ1YsYUFBYTtFQUNmO0VBQ0EsTUFBTTtJQUNKLE1BQU07TUFBRSxNQUFNO01BQVEsUUFBUTtNQUFPLFNBQVM7SUFBK0M7SUFDN0YsVUFBVTtJQUNWLGFBQWE7RUFDZjtFQUNBLFNBQVM7SUFDUCxNQUFNO01BQ0osTUFBTTtNQUNOLFFBQVE7UUFDTixPQUFPO1VBQ0wsTUFBTTtZQUFFLE1BQU07WUFBVyxTQUFTO1lBQWEsU0FBUztVQUFZO1VBQ3BFLFVBQVU7VUFDVixhQUFhO1FBQ2Y7UUFDQSxNQUFNO1VBQ0osTUFBTTtVQUNOLFVBQVU7VUFDVixhQUNFLENBQUMsb0NBQW9DLEVBQUUsU0FBUyw4RUFBOEUsQ0FBQztRQUNuSTtNQUNGO0lBQ0Y7SUFDQSxVQUFVO0lBQ1YsYUFBYTtFQUNmO0VBQ0EsZUFBZTtJQUNiLE1BQU07TUFDSixNQUFNO01BQ04sUUFBUTtRQUNOLE1BQU07VUFDSixNQUFNO1VBQ04sVUFBVTtVQUNWLFNBQVM7VUFDVCxhQUFhO1FBQ2Y7TUFDRjtJQUNGO0lBQ0EsVUFBVTtJQUNWLGFBQWE7RUFDZjtFQUNBLFFBQVE7SUFDTixNQUFNO01BQ0osTUFBTTtNQUNOLFNBQVM7TUFDVCxXQUFXO01BQ1gsU0FBUyxDQUFDLHNEQUFzRCxDQUFDO01BQ2pFLFNBQVM7SUFDWDtJQUNBLFVBQVU7SUFDVixhQUNFO0VBQ0o7RUFDQSxZQUFZO0lBQ1YsTUFBTTtNQUNKLE1BQU07TUFDTixTQUFTO01BQ1QsV0FBVztNQUNYLFNBQVMsQ0FBQyx3Q0FBd0MsQ0FBQztNQUNuRCxTQUFTLElBQU0sQ0FBQywrQ0FBK0MsQ0FBQztJQUNsRTtJQUNBLFVBQVU7SUFDVixhQUFhO0lBQ2IsYUFBYTtFQUNmO0VBQ0EsZ0JBQWdCO0lBQ2QsTUFBTTtNQUNKLE1BQU07TUFDTixTQUFTO01BQ1QsV0FBVztNQUNYLFNBQVMsQ0FBQyw4QkFBOEIsQ0FBQztNQUN6QyxTQUFTLGlCQUFpQjtJQUM1QjtJQUNBLFVBQVU7SUFDVixTQUFTO0lBQ1QsYUFBYTtFQUNmO0VBQ0EsWUFBWTtJQUNWLE1BQU07TUFBRSxNQUFNO0lBQVU7SUFDeEIsVUFBVTtJQUNWLFNBQVM7SUFDVCxhQUFhO0VBQ2Y7RUFDQSxtQkFBbUI7SUFDakIsTUFBTTtNQUNKLE1BQU07TUFDTixTQUFTO01BQ1QsV0FBVztNQUNYLFNBQVMsQ0FBQyxpQ0FBaUMsQ0FBQztNQUM1QyxTQUFTLGlCQUFpQjtJQUM1QjtJQUNBLFVBQVU7SUFDVixTQUFTO0lBQ1QsYUFBYTtFQUNmO0VBQ0EsUUFBUTtJQUNOLE1BQU07TUFBRSxNQUFNO0lBQVU7SUFDeEIsVUFBVTtJQUNWLFNBQVM7SUFDVCxhQUNFO0VBQ0o7RUFDQSxlQUFlO0lBQ2IsTUFBTTtNQUFFLE1BQU07SUFBWTtJQUMxQixVQUFVO0lBQ1YsYUFBYTtJQUNiLGFBQ0U7RUFDSjtBQUNGLEVBQUU7QUFFRixtRUFBbUUsR0FDbkUsT0FBTyxTQUFTLFdBQVcsUUFBb0IsV0FBVyxFQUFFLFNBQVMsRUFBRTtFQUNyRSxNQUFNLE1BQWdCLEVBQUU7RUFDeEIsS0FBSyxNQUFNLENBQUMsS0FBSyxJQUFJLElBQUksT0FBTyxPQUFPLENBQUMsT0FBUTtJQUM5QyxNQUFNLE9BQU8sU0FBUztJQUN0QixJQUFJLElBQUksQ0FBQztJQUNULElBQUksSUFBSSxJQUFJLENBQUMsSUFBSSxLQUFLLFVBQVUsSUFBSSxJQUFJLElBQUksV0FBVyxJQUFJLElBQUksQ0FBQyxNQUFNLEVBQUUsT0FBTztFQUNqRjtFQUNBLE9BQU87QUFDVDtBQUVBLDBEQUEwRCxHQUMxRCxPQUFPLFNBQVMsUUFBUSxJQUFZO0VBQ2xDLElBQUksUUFBZ0M7RUFDcEMsSUFBSTtFQUNKLEtBQUssTUFBTSxPQUFPLEtBQUssS0FBSyxDQUFDLEtBQU07SUFDakMsTUFBTSxVQUFVLGFBQWEsT0FBTyxNQUFNLENBQUMsT0FBTyxPQUFPLEtBQUssQ0FBQyxJQUFJLEdBQUc7SUFDdEUsSUFBSSxRQUFRLFdBQVcsT0FBTztJQUM5QixRQUFRLElBQUksSUFBSSxDQUFDLElBQUksS0FBSyxXQUFXLElBQUksSUFBSSxDQUFDLE1BQU0sR0FBRztFQUN6RDtFQUNBLE9BQU87QUFDVDtBQUVBLCtEQUErRCxHQUMvRCxPQUFPLFNBQVMsWUFBWSxJQUFlO0VBQ3pDLE9BQVEsS0FBSyxJQUFJO0lBQ2YsS0FBSztNQUNILE9BQU8sS0FBSyxPQUFPO0lBQ3JCLEtBQUs7TUFDSCxPQUFPLEtBQUssT0FBTyxJQUFJLEtBQUssTUFBTSxDQUFDLElBQUksQ0FBQztJQUMxQyxLQUFLO01BQ0gsT0FBTyxDQUFDLG9CQUFvQixFQUFFLEtBQUssT0FBTyxDQUFDLElBQUksRUFBRSxLQUFLLE9BQU8sRUFBRTtJQUNqRSxLQUFLO01BQ0gsT0FBTztJQUNULEtBQUs7TUFDSCxPQUFPLENBQUMsd0RBQXdELENBQUM7SUFDbkUsS0FBSztNQUNILE9BQU8sQ0FBQyxlQUFlLEVBQUUsT0FBTyxJQUFJLENBQUMsS0FBSyxNQUFNLEVBQUUsSUFBSSxDQUFDLE9BQU87RUFDbEU7QUFDRiJ9
// denoCacheMetadata=13104180968033422388,5542350360888750182