/**
 * The little XML the S3 calls k8zner makes need: escaping values into request bodies and reading
 * single elements out of responses. S3's response documents are flat and namespace-free in the parts
 * read here (`Code`, `Message`, `Key`, `Rule`), so a full parser would be weight without use.
 *
 * @module
 */

/** Escapes text for an XML element's content. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Reverses {@link escapeXml} (and numeric references). */
export function unescapeXml(text: string): string {
  return text
    .replace(/&#x([0-9a-fA-F]+);/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Every `<name>…</name>` element of `xml`, as raw inner XML (not unescaped), in document order. */
export function elements(xml: string, name: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, "g");
  for (const m of xml.matchAll(re)) out.push(m[1]!);
  return out;
}

/** The text of the first `<name>` element, unescaped; undefined when absent. */
export function elementText(xml: string, name: string): string | undefined {
  const raw = elements(xml, name)[0];
  return raw === undefined ? undefined : unescapeXml(raw.trim());
}
