/**
 * The fake's SigV4 implementation against AWS's published S3 examples (Amazon S3 API Reference,
 * "Examples: Signature Calculations" for the Authorization header; secret and dates as published).
 */
import { assertEquals } from "../assert.ts";
import { canonicalQuery, computeSignature, parseAuthorization, sha256Hex } from "./sigv4.ts";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SCOPE = "20130524/us-east-1/s3/aws4_request";
const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const HOST = "examplebucket.s3.amazonaws.com";

Deno.test("AWS example GET Object (Range header): canonical request hash and signature as published", async () => {
  const r = await computeSignature({
    method: "GET",
    rawPath: "/test.txt",
    rawQuery: "",
    headers: { Host: HOST, Range: "bytes=0-9", "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z" },
    signedHeaders: ["host", "range", "x-amz-content-sha256", "x-amz-date"],
    payloadHash: EMPTY,
    amzDate: "20130524T000000Z",
    scope: SCOPE,
    secretAccessKey: SECRET,
  });
  assertEquals(await sha256Hex(r.canonicalRequest), "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  assertEquals(r.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
});

Deno.test("AWS example PUT Object (escaped key, storage class, Date header): signature as published", async () => {
  const payload = await sha256Hex("Welcome to Amazon S3.");
  assertEquals(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  const r = await computeSignature({
    method: "PUT",
    rawPath: "/test%24file.text",
    rawQuery: "",
    headers: {
      Host: HOST,
      Date: "Fri, 24 May 2013 00:00:00 GMT",
      "x-amz-date": "20130524T000000Z",
      "x-amz-storage-class": "REDUCED_REDUNDANCY",
      "x-amz-content-sha256": payload,
    },
    signedHeaders: ["date", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-storage-class"],
    payloadHash: payload,
    amzDate: "20130524T000000Z",
    scope: SCOPE,
    secretAccessKey: SECRET,
  });
  assertEquals(r.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
});

Deno.test("AWS example GET Bucket Lifecycle (a sub-resource without value): signature as published", async () => {
  const r = await computeSignature({
    method: "GET",
    rawPath: "/",
    rawQuery: "lifecycle",
    headers: { Host: HOST, "x-amz-date": "20130524T000000Z", "x-amz-content-sha256": EMPTY },
    signedHeaders: ["host", "x-amz-content-sha256", "x-amz-date"],
    payloadHash: EMPTY,
    amzDate: "20130524T000000Z",
    scope: SCOPE,
    secretAccessKey: SECRET,
  });
  assertEquals(r.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
});

Deno.test("AWS example Get Bucket (List Objects) with sorted query parameters: signature as published", async () => {
  const r = await computeSignature({
    method: "GET",
    rawPath: "/",
    rawQuery: "max-keys=2&prefix=J",
    headers: { Host: HOST, "x-amz-date": "20130524T000000Z", "x-amz-content-sha256": EMPTY },
    signedHeaders: ["host", "x-amz-content-sha256", "x-amz-date"],
    payloadHash: EMPTY,
    amzDate: "20130524T000000Z",
    scope: SCOPE,
    secretAccessKey: SECRET,
  });
  assertEquals(r.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
});

Deno.test("canonicalQuery() sorts by name, gives bare names an empty value and encodes as SigV4 asks", () => {
  assertEquals(canonicalQuery("prefix=a%2Fb&list-type=2&lifecycle"), "lifecycle=&list-type=2&prefix=a%2Fb");
  assertEquals(canonicalQuery("k=a b"), "k=a%20b");
});

Deno.test("parseAuthorization() reads the credential scope and refuses other schemes", () => {
  const p = parseAuthorization(
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
      "SignedHeaders=host;x-amz-date, Signature=abc",
  );
  assertEquals(p?.accessKeyId, "AKIAIOSFODNN7EXAMPLE");
  assertEquals(p?.region, "us-east-1");
  assertEquals(p?.signedHeaders, ["host", "x-amz-date"]);
  assertEquals(parseAuthorization("AWS AKIA:sig"), undefined);
});
