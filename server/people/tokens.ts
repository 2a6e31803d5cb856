// API tokens for scripts and the telegraph's host: `Authorization: Bearer <token>`. The token is
// shown once when created; the store keeps its hash, its name, its role and the telegraphs it is
// limited to, if any.
import type { Role } from "../../lib/roles";
import type { Store } from "../store/store";
import { Name } from "../../lib/protocol";
import { PeopleError, knownSlug } from "./people";
import { hashSecret, newSecret } from "./secrets";

export interface Token {
  name: string;
  role: Role;
  /** The only telegraphs it works on (by slug); absent: every one. */
  telegraphs?: string[];
  createdAt: string;
  lastUsed: string | null;
}

interface TokenRow {
  id: number;
  name: string;
  role: Role;
  created_at: string;
  last_used: string | null;
}

export function tokens(store: Store, now = () => new Date()) {
  const telegraphsOf = store.prepare<[number], { telegraph: string }>("SELECT telegraph FROM token_telegraphs WHERE token_id = ? ORDER BY telegraph");
  const toToken = (row: TokenRow): Token => {
    const telegraphs = telegraphsOf.all(row.id).map(({ telegraph }) => telegraph);
    return { name: row.name, role: row.role, ...(telegraphs.length > 0 && { telegraphs }), createdAt: row.created_at, lastUsed: row.last_used };
  };
  return {
    /**
     * A new token; the secret is returned this once and never again. `limit`: the only telegraphs it
     * works on, each one of `known` (the telegraphs there are).
     */
    create(name: string, role: Role, limit?: { telegraphs: readonly string[]; known: readonly string[] }): { token: Token; secret: string } {
      const parsed = Name.safeParse(name);
      if (!parsed.success) throw new PeopleError(parsed.error.issues[0].message.replace("a name", "a token's name"));
      if (store.prepare("SELECT 1 FROM tokens WHERE name = ?").get(parsed.data))
        throw new PeopleError(`a token is already called ${JSON.stringify(parsed.data)}`);
      const telegraphs = [...new Set(limit?.telegraphs.map((slug) => knownSlug(slug, limit.known)))].sort();
      if (limit && !telegraphs.length) throw new PeopleError("name at least one telegraph the token works on");
      const secret = newSecret("chadburn");
      store.transaction(() => {
        const { lastInsertRowid } = store
          .prepare("INSERT INTO tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?)")
          .run(parsed.data, role, hashSecret(secret), now().toISOString());
        for (const slug of telegraphs) store.prepare("INSERT INTO token_telegraphs (token_id, telegraph) VALUES (?, ?)").run(lastInsertRowid, slug);
      })();
      const token = { name: parsed.data, role, ...(telegraphs.length > 0 && { telegraphs }), createdAt: now().toISOString(), lastUsed: null };
      return { token, secret };
    },

    list(): Token[] {
      return store.prepare<[], TokenRow>("SELECT * FROM tokens ORDER BY name").all().map(toToken);
    },

    revoke(name: string): Token {
      const row = store.prepare<[string], TokenRow>("SELECT * FROM tokens WHERE name = ?").get(name.trim());
      if (!row) throw new PeopleError(`no token is called ${JSON.stringify(name.trim())}`);
      const token = toToken(row); // with its telegraphs, which go with it
      store.prepare("DELETE FROM tokens WHERE name = ?").run(row.name);
      return token;
    },

    /** The token a secret belongs to (its use noted), or null for an unknown or revoked one. */
    check(secret: string): Token | null {
      const row = store.prepare<[string], TokenRow>("SELECT * FROM tokens WHERE hash = ?").get(hashSecret(secret));
      if (!row) return null;
      const at = now().toISOString();
      store.prepare("UPDATE tokens SET last_used = ? WHERE hash = ?").run(at, hashSecret(secret));
      return toToken({ ...row, last_used: at });
    },
  };
}
export type Tokens = ReturnType<typeof tokens>;
