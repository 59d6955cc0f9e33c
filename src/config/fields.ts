/**
 * The field table of `k8zner.yaml`: every field, its type, limits, default and documentation.
 * It is the ONE source that the validator (`parse.ts`), the JSON Schema (`schema.ts`) and the
 * README's configuration reference (`reference.ts`) are generated from, so they cannot drift.
 *
 * @module
 */
import {
  API_LOAD_BALANCER_MODES,
  DEFAULT_CONTROL_PLANE_SIZE,
  LEGACY_SIZES,
  MAX_WORKERS,
  MIN_WORKERS,
  MODES,
  REGION_NAMES,
  REGIONS,
  SERVER_SIZES,
  SIZE_SPECS,
} from "./spec.ts";
import {
  KUBERNETES_MINORS_BY_TALOS_MINOR,
  KUBERNETES_VERSION,
  SUPPORTED_KUBERNETES_VERSIONS,
  SUPPORTED_TALOS_VERSIONS,
  TALOS_VERSION,
} from "./versions.ts";

/** A string checked against one regular expression (anchored, valid with the `u` flag). */
export interface StringType {
  kind: "string";
  pattern: RegExp;
  maxLength?: number;
  /** What the user may write, for messages and docs. */
  allowed: string;
  /** Says precisely why `value` (which failed the pattern or length) is wrong. */
  explain: (value: string) => string;
}
/** One of a fixed list; `legacy` values are accepted and replaced by their successor. */
export interface EnumType {
  kind: "enum";
  values: readonly string[];
  legacy?: Readonly<Record<string, string>>;
  /** Shown in messages and docs; defaults to the values joined by ", ". */
  allowed?: string;
  /** Why a known-but-refused value is refused (e.g. ARM server types), if there is a reason to tell. */
  explainRefused?: (value: string) => string | undefined;
  /** What each value means, for the comment `init` writes above the chosen one. */
  meanings?: Readonly<Record<string, string>>;
}
export interface IntegerType {
  kind: "integer";
  minimum: number;
  maximum: number;
}
export interface BooleanType {
  kind: "boolean";
}
/** A list of distinct IPv4/IPv6 CIDRs (a bare address means one host). */
export interface CidrListType {
  kind: "cidr-list";
}
export interface ObjectType {
  kind: "object";
  fields: FieldTable;
}
export type FieldType = StringType | EnumType | IntegerType | BooleanType | CidrListType | ObjectType;

/** One field of the file. */
export interface FieldDef {
  type: FieldType;
  required: boolean;
  /** One or two sentences for the reference and editor tooltips. */
  description: string;
  /** The value used when the field is absent (also the schema's `default`). */
  default?: string | boolean | number;
  /** What happens when the field is absent, when that is not a literal value (docs only). */
  defaultNote?: string;
}
export type FieldTable = Readonly<Record<string, FieldDef>>;

/**
 * YAML 1.1 spellings of booleans. The earlier implementation (Go yaml.v3) accepted them for its
 * boolean fields, so files using them must keep loading; they are normalised to true/false.
 */
export const YAML11_TRUE = ["y", "Y", "yes", "Yes", "YES", "on", "On", "ON"] as const;
export const YAML11_FALSE = ["n", "N", "no", "No", "NO", "off", "Off", "OFF"] as const;

/**
 * Longest cluster name: server names `<name>-cp-1` are RFC 1123 host names whose labels may
 * have at most 63 characters (the earlier implementation allowed 63 and failed at apply time).
 */
export const MAX_NAME_LENGTH = 58;
/** Longest name with `backup: true`: the bucket `<name>-etcd-backups` must fit S3's 63 characters. */
export const MAX_NAME_LENGTH_WITH_BACKUP = 50;
export const BACKUP_BUCKET_SUFFIX = "-etcd-backups";
/**
 * Days an etcd snapshot is kept. 14 by default: two weeks of hourly snapshots (336) is enough to notice
 * a bad change after a long weekend and go back before it, and at a few MB per compressed snapshot
 * stays far inside the 1 TB Hetzner's Object Storage base price includes. At most 3650 (ten years).
 */
export const DEFAULT_BACKUP_RETENTION_DAYS = 14;
export const MAX_BACKUP_RETENTION_DAYS = 3650;

const NAME_PATTERN = new RegExp(`^(?!.*--)[a-z](?:[a-z0-9-]{0,${MAX_NAME_LENGTH - 2}}[a-z0-9])?$`);

function explainName(value: string): string {
  if (value.length === 0) return "must not be empty";
  if (value.length > MAX_NAME_LENGTH) {
    return `is ${value.length} characters long; at most ${MAX_NAME_LENGTH} so server names like "<name>-cp-1" stay valid host names`;
  }
  const bad = [...value].find((c) => !/[a-z0-9-]/.test(c));
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

/** The earlier implementation's domain rule (inventory §2.1), kept so existing files stay valid. */
const DOMAIN_PATTERN =
  /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*\.[a-zA-Z]{2,}$/;

function explainDomain(value: string): string {
  if (value.length > 253) return `is ${value.length} characters long; a domain name has at most 253`;
  if (value.includes("://")) return `must be a bare domain name like "example.com", without a scheme`;
  if (/[/:@\s]/.test(value)) return `must be a bare domain name like "example.com", without path, port or spaces`;
  if (!value.includes(".")) return `needs a top-level domain, like "example.com"`;
  return `is not a domain name like "example.com" or "k8s.example.org"`;
}

const EMAIL_PATTERN = /^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)*\.[a-zA-Z]{2,}$/;

const SUBDOMAIN_PATTERN =
  /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

function explainSubdomain(example: string): (value: string) => string {
  return (value) => {
    if (value.split(".").some((p) => p === "")) return "has an empty part between dots";
    return `is not a host-name prefix like "${example}" (letters, digits and "-", not starting or ending with "-")`;
  };
}

function explainRefusedSize(value: string): string | undefined {
  if (/^cax\d/i.test(value)) return `"${value}" is an ARM server type; k8zner builds amd64 nodes only`;
  if (/^ccx\d/i.test(value)) return `"${value}" is a dedicated-vCPU type; k8zner offers the shared CX and CPX types`;
  return undefined;
}

const sizeList = SERVER_SIZES.map((s) => {
  const spec = SIZE_SPECS[s];
  return `${s} (${spec.cores} vCPU, ${spec.memoryGb} GB)`;
}).join(", ");

const MODE_MEANINGS: Record<typeof MODES[number], string> = {
  dev: "one control plane that also runs workloads",
  ha: "three control planes spread over hosts",
};

const SIZE_TYPE: EnumType = {
  kind: "enum",
  values: SERVER_SIZES,
  legacy: LEGACY_SIZES,
  allowed: SERVER_SIZES.join(", "),
  explainRefused: explainRefusedSize,
};

/** Each version also written the other way (`1.13.9` for Talos, `v1.36.3` for Kubernetes), as tags and docs mix both. */
function otherSpelling(versions: readonly string[], withV: boolean): Record<string, string> {
  return Object.fromEntries(versions.map((v) => [withV ? v.replace(/^v/, "") : `v${v}`, v]));
}

const talosPairs = Object.entries(KUBERNETES_MINORS_BY_TALOS_MINOR)
  .map(([talos, kubernetes]) => `Talos ${talos} runs Kubernetes ${kubernetes.join(" and ")}`).join("; ");

/** Every field of k8zner.yaml. Order here is the order of the docs, the schema and rendered files. */
export const SPEC_FIELDS: FieldTable = {
  name: {
    type: {
      kind: "string",
      pattern: NAME_PATTERN,
      maxLength: MAX_NAME_LENGTH,
      allowed:
        `1-${MAX_NAME_LENGTH} lowercase letters, digits and "-", starting with a letter, ending with a letter or digit, no "--"`,
      explain: explainName,
    },
    required: true,
    description:
      "Cluster name. Prefixes every Hetzner resource (network, firewall, `<name>-kube` load balancer, servers `<name>-cp-1`, `<name>-w-1`) and is their `k8zner.io/cluster` label.",
  },
  region: {
    type: {
      kind: "enum",
      values: REGIONS,
      allowed: REGIONS.map((r) => `${r} (${REGION_NAMES[r]})`).join(", "),
    },
    required: true,
    description: "Hetzner location of all servers and the load balancer (EU locations, where CX/CPX types exist).",
  },
  mode: {
    type: {
      kind: "enum",
      values: MODES,
      allowed: "dev (1 control plane), ha (3 control planes)",
      meanings: MODE_MEANINGS,
    },
    required: true,
    description: MODES.map((m) => `\`${m}\`: ${MODE_MEANINGS[m]}.`).join(" "),
  },
  workers: {
    type: {
      kind: "object",
      fields: {
        count: {
          type: { kind: "integer", minimum: MIN_WORKERS, maximum: MAX_WORKERS },
          required: true,
          description: "Number of worker servers, named `<name>-w-1` … `<name>-w-N`.",
        },
        size: {
          type: SIZE_TYPE,
          required: true,
          description:
            `Hetzner server type of the workers: ${sizeList}. Retired names cx22/cx32/cx42/cx52 are accepted and mean cx23/cx33/cx43/cx53.`,
        },
      },
    },
    required: true,
    description: "Worker pool.",
  },
  control_plane: {
    type: {
      kind: "object",
      fields: {
        size: {
          type: SIZE_TYPE,
          required: false,
          default: DEFAULT_CONTROL_PLANE_SIZE,
          description: "Hetzner server type of the control planes (same choices as `workers.size`).",
        },
      },
    },
    required: false,
    description: "Control-plane settings; the count follows `mode`.",
  },
  domain: {
    type: {
      kind: "string",
      pattern: DOMAIN_PATTERN,
      maxLength: 253,
      allowed: `a domain name like "example.com" managed in Cloudflare`,
      explain: explainDomain,
    },
    required: false,
    description:
      "Domain for ingress hosts (ArgoCD, Grafana), DNS records (external-dns) and Let's Encrypt certificates via Cloudflare DNS-01. Needs `CF_API_TOKEN` in the environment.",
  },
  cert_email: {
    type: {
      kind: "string",
      pattern: EMAIL_PATTERN,
      maxLength: 254,
      allowed: `an e-mail address like "ops@example.com"`,
      explain: () => `is not an e-mail address like "ops@example.com"`,
    },
    required: false,
    defaultNote: "`admin@<domain>`",
    description: "Contact address for Let's Encrypt (used only with `domain`).",
  },
  argo_subdomain: {
    type: {
      kind: "string",
      pattern: SUBDOMAIN_PATTERN,
      maxLength: 63,
      allowed: `a host-name prefix like "argo"`,
      explain: explainSubdomain("argo"),
    },
    required: false,
    default: "argo",
    description: "ArgoCD is served at `<argo_subdomain>.<domain>` (used only with `domain`).",
  },
  monitoring: {
    type: { kind: "boolean" },
    required: false,
    default: false,
    description: "Install kube-prometheus-stack (Prometheus, Grafana, Alertmanager).",
  },
  grafana_subdomain: {
    type: {
      kind: "string",
      pattern: SUBDOMAIN_PATTERN,
      maxLength: 63,
      allowed: `a host-name prefix like "grafana"`,
      explain: explainSubdomain("grafana"),
    },
    required: false,
    default: "grafana",
    description: "Grafana is served at `<grafana_subdomain>.<domain>` (used with `domain` and `monitoring`).",
  },
  backup: {
    type: { kind: "boolean" },
    required: false,
    default: false,
    description:
      "Hourly etcd snapshots to Hetzner Object Storage bucket `<name>-etcd-backups`. Needs `HETZNER_S3_ACCESS_KEY` and `HETZNER_S3_SECRET_KEY` in the environment.",
  },
  backup_retention_days: {
    type: { kind: "integer", minimum: 1, maximum: MAX_BACKUP_RETENTION_DAYS },
    required: false,
    default: DEFAULT_BACKUP_RETENTION_DAYS,
    description:
      "Days each etcd snapshot is kept (used with `backup`). A lifecycle rule on the bucket's `etcd-backups/` prefix deletes older snapshots; the bucket itself is never deleted by k8zner.",
  },
  api_allowlist: {
    type: { kind: "cidr-list" },
    required: false,
    defaultNote: "the public IP of the machine running apply",
    description:
      "IPv4/IPv6 CIDRs the firewall lets reach the Kubernetes API (6443) and Talos API (50000) on the nodes' public IPs. Hetzner firewalls do not apply to load balancers: with `api_load_balancer: public`, 6443 on the load balancer stays open to the internet, protected by credentials only. A bare address means that one host; host bits below the prefix are an error.",
  },
  api_load_balancer: {
    type: { kind: "enum", values: API_LOAD_BALANCER_MODES },
    required: false,
    default: "public",
    description:
      "`public`: the Kubernetes API load balancer has a public IPv4 and is the cluster endpoint (port 6443 open to the internet, credentials only). `private`: it has no public interface, the cluster endpoint is its private IP, and the kubeconfig reaches a control plane's public IP through the firewall (`api_allowlist`).",
  },
  talos_version: {
    type: {
      kind: "enum",
      values: SUPPORTED_TALOS_VERSIONS,
      legacy: otherSpelling(SUPPORTED_TALOS_VERSIONS, true),
      explainRefused: (value) => `"${value}" is not a Talos version this k8zner installs or upgrades to`,
    },
    required: false,
    defaultNote: `\`${TALOS_VERSION}\`; with only \`kubernetes_version\` set, the newest Talos that runs it`,
    description:
      `Talos Linux version of every node. Changing it on a running cluster upgrades it: the operator upgrades one node at a time, control planes first, and never goes back across a minor or skips one. ${talosPairs}.`,
  },
  kubernetes_version: {
    type: {
      kind: "enum",
      values: SUPPORTED_KUBERNETES_VERSIONS,
      legacy: otherSpelling(SUPPORTED_KUBERNETES_VERSIONS, false),
      explainRefused: (value) => `"${value}" is not a Kubernetes version this k8zner installs or upgrades to`,
    },
    required: false,
    defaultNote: `\`${KUBERNETES_VERSION}\`, or the newest that \`talos_version\` runs`,
    description:
      "Kubernetes version. Changing it on a running cluster upgrades it the Talos way: control-plane components node by node, then the kubelets; one minor per upgrade, never back across a minor. Must be one the chosen Talos runs.",
  },
};

/** Paths of all fields, dotted (`workers.count`), in table order. */
export function fieldPaths(table: FieldTable = SPEC_FIELDS, prefix = ""): string[] {
  const out: string[] = [];
  for (const [key, def] of Object.entries(table)) {
    const path = prefix + key;
    out.push(path);
    if (def.type.kind === "object") out.push(...fieldPaths(def.type.fields, path + "."));
  }
  return out;
}

/** The definition of a dotted path, if it names a field. */
export function fieldAt(path: string): FieldDef | undefined {
  let table: FieldTable | undefined = SPEC_FIELDS;
  let def: FieldDef | undefined;
  for (const key of path.split(".")) {
    def = table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
    if (def === undefined) return undefined;
    table = def.type.kind === "object" ? def.type.fields : undefined;
  }
  return def;
}

/** The "allowed" text of a field type, for messages and docs. */
export function allowedText(type: FieldType): string {
  switch (type.kind) {
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
