// API tokens and certificates made for a test.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Role } from "../../lib/roles";
import { tokens } from "../../server/people/tokens";
import { storedTelegraphs } from "../../server/store/memory";
import { openStore } from "../../server/store/store";
import { afterAll, beforeAll } from "vitest";
import { q, removeDir, sh, tempDir } from "./files";
import type { TestServer } from "./server";

/** A token made on the server's own store, as `chadburn token create` does (with --telegraph when `telegraphs` are named). */
export function token(server: Pick<TestServer, "dir">, name: string, role: Role, telegraphs?: string[]): string {
  const store = openStore(server.dir);
  try {
    return tokens(store).create(name, role, telegraphs && { telegraphs, known: storedTelegraphs(store) }).secret;
  } finally {
    store.close();
  }
}

interface Certificate {
  tls: { cert: Buffer; key: Buffer };
  ca: string;
}

/** A throwaway certificate for a test file: made before its tests, its folder removed after them. */
export function throwawayCertificate(): Certificate {
  const made = {} as Certificate & { dir?: string };
  beforeAll(async () => void Object.assign(made, await makeCertificate()));
  afterAll(() => made.dir && removeDir(made.dir));
  return made;
}

/** A certificate for 127.0.0.1 and localhost, valid a day, in a folder of its own (`dir`, to remove). */
async function makeCertificate(): Promise<Certificate & { dir: string }> {
  const dir = await tempDir();
  const [key, cert] = [path.join(dir, "key.pem"), path.join(dir, "cert.pem")];
  await sh(
    `/usr/bin/openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost ` +
      `-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout ${q(key)} -out ${q(cert)} 2>&1`,
  );
  const tls = { cert: await readFile(cert), key: await readFile(key) };
  return { tls, ca: tls.cert.toString(), dir };
}
