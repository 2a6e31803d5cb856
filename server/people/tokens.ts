// API tokens for scripts and the telegraph's host: `Authorization: Bearer <token>`. The token is
// shown once when created; the store keeps its hash, its name and its role.
import type { Role } from "../../lib/roles";
import type { Store } from "../store/store";
import { Name } from "../../lib/protocol";
import { PeopleError } from "./people";
import { hashSecret, newSecret } from "./secrets";

export interface Token {
  name: string;
  role: Role;
  createdAt: string;
  lastUsed: string | null;
}

interface TokenRow {
  name: string;
  role: Role;
  created_at: string;
  last_used: string | null;
}

const toToken = (row: TokenRow): Token => ({ name: row.name, role: row.role, createdAt: row.created_at, lastUsed: row.last_used });

export function tokens(store: Store, now = () => new Date()) {
  return {
    /** A new token; the secret is returned this once and never again. */
    create(name: string, role: Role): { token: Token; secret: string } {
      const parsed = Name.safeParse(name);
      if (!parsed.success) throw new PeopleError(parsed.error.issues[0].message.replace("a name", "a token's name"));
      if (store.prepare("SELECT 1 FROM tokens WHERE name = ?").get(parsed.data))
        throw new PeopleError(`a token is already called ${JSON.stringify(parsed.data)}`);
      const secret = newSecret("chadburn");
      store
        .prepare("INSERT INTO tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?)")
        .run(parsed.data, role, hashSecret(secret), now().toISOString());
      return { token: { name: parsed.data, role, createdAt: now().toISOString(), lastUsed: null }, secret };
    },

    list(): Token[] {
      return store.prepare<[], TokenRow>("SELECT * FROM tokens ORDER BY name").all().map(toToken);
    },

    revoke(name: string): Token {
      const row = store.prepare<[string], TokenRow>("SELECT * FROM tokens WHERE name = ?").get(name.trim());
      if (!row) throw new PeopleError(`no token is called ${JSON.stringify(name.trim())}`);
      store.prepare("DELETE FROM tokens WHERE name = ?").run(row.name);
      return toToken(row);
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
