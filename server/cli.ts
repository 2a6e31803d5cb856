// The `chadburn` command: the server and the simulator (start, sim); orders, answers and the state
// through a running server's HTTP API (order, answer, status); and people, API tokens and the audit
// log in the data folder's store, managed from a shell on the server (user, token, audit).
import { readFileSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { Command, InvalidArgumentError, Option } from "commander";
import { ROLES, type Role, TELEGRAPH_ROLES, type TelegraphRole } from "../lib/roles";
import { ConfigError, dataDirOf, dataDirOption, settingOptions } from "./config";
import { configOption } from "./config-file";
import { audit } from "./people/audit";
import { RoleName } from "../lib/protocol";
import { PeopleError, people } from "./people/people";
import { tokens } from "./people/tokens";
import { type HistoryOptions, RemoteError, historyCsv, historyRows, send, status } from "./remote";
import { storedTelegraphs } from "./store/memory";
import { openStore } from "./store/store";

function role(value: string): Role {
  const parsed = RoleName.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`must be one of ${ROLES.join(", ")}`);
  return parsed.data;
}

/** A role on one telegraph, or "own": the person's own role there again (null). */
function telegraphRole(value: string): TelegraphRole | null {
  if (value === OWN) return null;
  if (!(TELEGRAPH_ROLES as readonly string[]).includes(value))
    throw new PeopleError(`a role on a telegraph is one of ${TELEGRAPH_ROLES.join(", ")}, or ${OWN} for their own role there`);
  return value as TelegraphRole;
}
const OWN = "own";

/** A person's roles on telegraphs, for a table: "lab bridge, workshop crew", or "" when none is given. */
const onTelegraphs = (given: Record<string, TelegraphRole>) =>
  Object.entries(given)
    .map(([slug, role]) => `${slug} ${role}`)
    .join(", ");

/** Runs `fn` on the store of the command's --data-dir, then closes it. */
function withStore<A extends unknown[]>(fn: (store: ReturnType<typeof openStore>, ...args: A) => void) {
  return (...args: A) => {
    const command = args.at(-1) as Command;
    const store = openStore(dataDirOf(command));
    try {
      fn(store, ...args);
    } finally {
      store.close();
    }
  };
}

/** Notes a change in the audit log, as made here by whoever runs the command. */
function noted(store: ReturnType<typeof openStore>, action: "user" | "token", detail: string): string {
  audit(store).record({ who: `command line (${userInfo().username})`, address: "local", action, detail });
  return detail;
}

/** Where the server is: for the API, or for the links printed (the command cannot know the address people use). */
const urlOption = (description: string) =>
  new Option("--url <url>", description)
    .env("CHADBURN_URL")
    .default("http://localhost:1873")
    .argParser((value) => {
      if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
        throw new InvalidArgumentError("must be an http:// or https:// address, e.g. https://chadburn.example.org");
      return new URL(value).origin;
    });
const SIGN_IN_URL = "the panel's address, for the sign-in link (default: the server's public URL setting, else http://localhost:1873)";
/**
 * The server's --public-url (CHADBURN_PUBLIC_URL, the config file's publicUrl), hidden: `user add`
 * and `user reset` print links on it when --url is not given, as the server makes its own.
 */
const publicUrlOption = () =>
  settingOptions()
    .find((option) => option.attributeName() === "publicUrl")!
    .hideHelp();
/** The sign-in link: on --url (CHADBURN_URL) if given, else the public URL setting, else the default. */
const inviteUrl = (command: Command, code: string) => {
  const { url, publicUrl } = command.opts<{ url: string; publicUrl?: string }>();
  return `${command.getOptionValueSource("url") === "default" ? (publicUrl ?? url) : url}/welcome#${code}`;
};

/** Far more than a token; a bigger file (a log, /dev/zero) is not one. */
const MAX_TOKEN_FILE_BYTES = 4096;

/** The token in a file (its one line, the trailing newline trimmed); a ConfigError naming the setting and file otherwise. */
function readTokenFile(setting: string, file: string): string {
  let text: string;
  try {
    const stat = statSync(file);
    if (!stat.isFile() || stat.size > MAX_TOKEN_FILE_BYTES) throw new Error("not a token file");
    text = readFileSync(file, "utf8");
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new ConfigError(
      `${setting} ${file}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "not readable (permission denied)" : message}`,
    );
  }
  const token = text.trim();
  if (!token || /\s/.test(token)) throw new ConfigError(`${setting} ${file}: must hold the token alone, on one line`);
  return token;
}

/**
 * --token-file (CHADBURN_TOKEN_FILE) becomes the token: on the command line a token shows in `ps`.
 * A flag beats a variable; both ways at the same level is a mistake to say.
 */
function tokenFromFile(command: Command): void {
  const file: string | undefined = command.getOptionValue("tokenFile");
  if (file === undefined) return;
  const [fileFrom, tokenFrom] = [command.getOptionValueSource("tokenFile"), command.getOptionValueSource("token")];
  if (command.getOptionValue("token") !== undefined) {
    if (fileFrom === tokenFrom)
      throw new ConfigError(
        fileFrom === "env" ? "CHADBURN_TOKEN and CHADBURN_TOKEN_FILE: set one, not both" : "--token and --token-file: give one, not both",
      );
    if (tokenFrom === "cli") return;
  }
  command.setOptionValue("token", readTokenFile(fileFrom === "env" ? "CHADBURN_TOKEN_FILE" : "--token-file", file));
}

const table = (rows: string[][]) => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
};

/** `start` and `sim` hand every flag, --help too, to the server's and the simulator's own parsers. */
const passOn = (root: Command, name: string, description: string, run: (argv: string[]) => Promise<void>) =>
  root
    .command(name)
    .description(description)
    .argument("[flags...]")
    .helpOption(false)
    .allowUnknownOption()
    .action((_flags, _options, command: Command) => run(command.args));

export function program(print: (line: string) => void = console.log): Command {
  const root = new Command("chadburn").description("Run a Chadburn server, use it, and manage its people and API tokens.").exitOverride();
  const sub = (parent: Command, name: string, description: string) =>
    parent.command(name).description(description).addOption(dataDirOption()).addOption(configOption()).exitOverride();
  const remote = (name: string, description: string) =>
    root
      .command(name)
      .description(description)
      .addOption(urlOption("the server's address"))
      .addOption(
        new Option(
          "--token <token>",
          "an API token (chadburn token create); without one, the server's anonymous role. Shows in ps: prefer CHADBURN_TOKEN or --token-file",
        ).env("CHADBURN_TOKEN"),
      )
      .addOption(new Option("--token-file <file>", "read the API token from this file (one line)").env("CHADBURN_TOKEN_FILE"))
      .addOption(
        new Option("--telegraph <slug>", "which telegraph, when the server has several (default: the server's default)").env("CHADBURN_TELEGRAPH"),
      )
      .hook("preAction", (_root, command) => tokenFromFile(command))
      .exitOverride();

  passOn(root, "start", "serve the panel, as npm start does; takes the same flags (chadburn start --help)", async (argv) => {
    const { serve } = await import("./main"); // Next, only for this command
    await serve(argv, { build: true });
  });
  passOn(root, "sim", "a simulated telegraph, as npm run sim does; takes the same flags (chadburn sim --help)", async (argv) => {
    const { simulate } = await import("../sim/telegraph");
    await simulate(argv, "chadburn sim");
  });
  for (const [type, does] of [
    ["order", "send an order"],
    ["answer", "answer the order"],
  ] as const) {
    remote(`${type} <position>`, `${does} through a running server: a position's number, name or label, e.g. 7 or coffee`)
      .option("--by <name>", "who, when not signed in by a token")
      .action(async (position: string, options: { url: string; token?: string; telegraph?: string; by?: string }) =>
        print(await send(type, position, options)),
      );
  }
  remote("status", "the current order and answer, the telegraph's link and who is listening")
    .option("--json", "the state as the server sends it (GET /api/state)")
    .action(async (options: { url: string; token?: string; telegraph?: string; json?: boolean }) => print(await status(options, options.json)));
  remote("history", "orders, who answered them and how soon, newest first, through a running server")
    .option("--since <time>", "from this time: an ISO date or time (2026-11-26, 2026-11-26T10:00Z) or a span back from now (7d, 24h, 90m)")
    .option("--until <time>", "up to this time, the same way (a date alone: to the end of that day)")
    .option("--position <position>", "only orders of this position: its number, name or label")
    .option("--csv", "as CSV, oldest first, each order followed by its answers (for a spreadsheet)")
    .action(async (options: HistoryOptions & { url: string; token?: string; telegraph?: string; csv?: boolean }) => {
      if (options.csv) return print((await historyCsv(options, options)).replace(/\r\n$/, "")); // print ends the line
      const rows = await historyRows(options, options);
      print(rows.length ? table([["AT", "SEQ", "ORDER", "BY", "FIRST ANSWER", "ANSWERS"], ...rows]) : "No orders in that span.");
    });

  const user = root.command("user").description("people who may sign in");
  sub(user, "add <name>", "add a person; prints their one-time sign-in link")
    .requiredOption("--role <role>", `${ROLES.join(", ")}`, role)
    .addOption(urlOption(SIGN_IN_URL))
    .addOption(publicUrlOption())
    .action(
      withStore((store, name: string, options: { role: Role }, command: Command) => {
        const { person, code } = people(store).add(name, options.role);
        print(
          `${noted(store, "user", `${person.name} added as ${person.role}.`)} Their one-time sign-in link, valid 24 hours:\n${inviteUrl(command, code)}`,
        );
      }),
    );
  sub(user, "list", "everyone, with their role").action(
    withStore((store) => {
      const all = people(store).list();
      print(
        all.length
          ? table([
              ["NAME", "ROLE", "PASSWORD", "ADDED", "ON TELEGRAPHS"],
              ...all.map((p) => [p.name, p.role, p.hasPassword ? "set" : "not yet", p.createdAt, onTelegraphs(p.telegraphRoles)]),
            ])
          : "No one yet.",
      );
    }),
  );
  sub(user, "remove <name>", "remove a person and end their sessions").action(
    withStore((store, name: string) => print(noted(store, "user", `${people(store).remove(name).name} removed.`))),
  );
  sub(user, "reset <name>", "forget a person's password and sign them out everywhere; prints a new sign-in link")
    .addOption(urlOption(SIGN_IN_URL))
    .addOption(publicUrlOption())
    .action(
      withStore((store, name: string, _options: unknown, command: Command) => {
        const { person, code } = people(store).reset(name);
        print(
          `${noted(store, "user", `${person.name} is signed out everywhere.`)} Their new one-time sign-in link, valid 24 hours:\n${inviteUrl(command, code)}`,
        );
      }),
    );
  sub(user, "role <name> <role>", "change a person's role, everywhere or on one telegraph")
    .option(
      "--telegraph <slug>",
      `only on this telegraph, over their own role: ${TELEGRAPH_ROLES.join(", ")} (none: they may not see it), or ${OWN} (their own role there again)`,
    )
    .action(
      withStore((store, name: string, to: string, options: { telegraph?: string }) => {
        if (options.telegraph === undefined) {
          const person = people(store).setRole(name, role(to));
          return print(noted(store, "user", `${person.name} is now ${person.role}.`));
        }
        const given = telegraphRole(to);
        const person = people(store).setTelegraphRole(name, options.telegraph, given, storedTelegraphs(store));
        const on = options.telegraph;
        print(
          noted(store, "user", given === null ? `${person.name} has their own role on ${on} again.` : `${person.name} is now ${given} on ${on}.`),
        );
      }),
    );

  const token = root.command("token").description("API tokens for scripts and the telegraph's host");
  sub(token, "create", "create a token; prints it, this once")
    .requiredOption("--name <name>", "what the token is for, e.g. kettle")
    .requiredOption("--role <role>", `${ROLES.join(", ")}`, role)
    .option("--telegraph <slugs>", "only on these telegraphs, separated by commas, e.g. lab,workshop (default: every one)")
    .action(
      withStore((store, options: { name: string; role: Role; telegraph?: string }) => {
        const limit = options.telegraph === undefined ? undefined : { telegraphs: options.telegraph.split(","), known: storedTelegraphs(store) };
        const { token: made, secret } = tokens(store).create(options.name, options.role, limit);
        const on = made.telegraphs ? ` on ${made.telegraphs.join(", ")}` : "";
        print(`${noted(store, "token", `Token ${made.name} (${made.role}${on}) created.`)} It is shown only now:\n${secret}`);
      }),
    );
  sub(token, "list", "every token, without its secret").action(
    withStore((store) => {
      const all = tokens(store).list();
      print(
        all.length
          ? table([
              ["NAME", "ROLE", "TELEGRAPHS", "CREATED", "LAST USED"],
              ...all.map((t) => [t.name, t.role, t.telegraphs?.join(",") ?? "all", t.createdAt, t.lastUsed ?? "never"]),
            ])
          : "No tokens yet.",
      );
    }),
  );
  sub(token, "revoke <name>", "stop a token working").action(
    withStore((store, name: string) => print(noted(store, "token", `Token ${tokens(store).revoke(name).name} revoked.`))),
  );

  sub(root, "audit", "who did what, from where: orders, answers, people and tokens, oldest first")
    .option("--since <time>", "only from this ISO time on, e.g. 2026-11-26 or 2026-11-26T10:00")
    .option("--json", "one JSON object a line, for other tools")
    .action(
      withStore((store, options: { since?: string; json?: boolean }) => {
        const since = options.since === undefined ? "" : new Date(options.since);
        if (since !== "" && Number.isNaN(since.getTime())) throw new PeopleError(`--since ${options.since}: not a time`);
        const entries = audit(store).list(since === "" ? "" : since.toISOString());
        if (options.json) for (const e of entries) print(JSON.stringify(e));
        else
          print(
            entries.length
              ? table([["AT", "WHO", "FROM", "WHAT", ""], ...entries.map((e) => [e.at, e.who, e.address, e.action, e.detail])])
              : "Nothing yet.",
          );
      }),
    );
  return root;
}

/**
 * Runs the command line; resolves with the exit code (a bad command, setting or refused change: 2;
 * a server out of reach: 1; one line on stderr). `start` and `sim` resolve once running.
 */
export async function run(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    const code = (error as { code?: string; exitCode?: number }).code;
    if (code === "commander.helpDisplayed" || code === "commander.version" || code === "commander.help") return 0;
    if (code?.startsWith("commander.")) return (error as { exitCode: number }).exitCode; // commander printed why
    if (error instanceof PeopleError || error instanceof ConfigError || error instanceof RemoteError) {
      process.stderr.write(`chadburn: ${error.message}\n`);
      return error instanceof RemoteError ? error.exitCode : 2;
    }
    // The store cannot be opened (a file where the folder should be, no permission): one line, not a stack.
    if (typeof (error as NodeJS.ErrnoException).code === "string" || (error as Error).message.includes("newer Chadburn")) {
      process.stderr.write(`chadburn: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}
