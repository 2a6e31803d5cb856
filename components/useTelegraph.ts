// The panel's line to the server: the snapshot (followed change by change) and presence, how the
// connection is, the two things a person can send (an order, an answer), each settled by the
// server's reply, and what the panel tells about itself (whose it is, how each order reached it).
import { useCallback, useEffect, useRef, useState } from "react";
import { type Socket, io } from "socket.io-client";
import { followSocket } from "../lib/change";
import {
  type ClientToServer,
  type Presence,
  type Receipt,
  type Receipts,
  type Reply,
  SOCKET_PATH,
  type ServerToClient,
  type Snapshot,
  type You,
} from "../lib/protocol";
import { receiptPace } from "../lib/receipts";

/**
 * "offline" until the first connection; "restarting" after the server said bye; "refused" when the
 * server would not admit the panel or let it go (a role of none, a revoked token), which socket.io
 * does not retry: the tab asks again when it is next shown. "paused": connected, to a server that
 * cannot reach its other nodes (docs/scaling.md), so the telegraph is shown as it last was.
 */
export type Connection = "connected" | "paused" | "reconnecting" | "offline" | "restarting" | "refused";

type TelegraphSocket = Socket<ServerToClient, ClientToServer>;

const REPLY_TIMEOUT_MS = 5000;
/** A name being typed is told once the typing pauses. */
const NAME_SETTLE_MS = 500;
const PANEL_KEY = "chadburn.panel";

/** This tab's panel id: kept across reloads and reconnects, so the server counts the tab once. */
function panelId(): string {
  let id = sessionStorage.getItem(PANEL_KEY);
  if (!id) {
    // getRandomValues, unlike randomUUID, works on a plain-HTTP LAN address too.
    id = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
    sessionStorage.setItem(PANEL_KEY, id);
  }
  return id;
}

const ignore = () => {};

/** `telegraph`: the slug of the telegraph followed; undefined: the server's default. */
export function useTelegraph(name: string, telegraph?: string) {
  const socketRef = useRef<TelegraphSocket | null>(null);
  const nameRef = useRef(name);
  /** Panels connected, as presence last said: how widely this panel's receipts are spread (lib/receipts.ts). */
  const panelsRef = useRef(0);
  /** This connection's receipts, paced (lib/receipts.ts). */
  const receiptsRef = useRef<ReturnType<typeof receiptPace<Receipt>> | null>(null);
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [presence, setPresence] = useState<Presence | null>(null);
  const [receipts, setReceipts] = useState<Receipts | null>(null);
  const [you, setYou] = useState<You | null>(null);
  const [connection, setConnection] = useState<Connection>("offline");
  /** The server's reason, while the connection is "refused". */
  const [refusal, setRefusal] = useState<string | null>(null);
  /** Since when the server says live updates are paused (ISO time), while they are. */
  const [pausedSince, setPausedSince] = useState<string | null>(null);

  useEffect(() => {
    // Same origin as the page; forceNew so Strict Mode's second mount gets its own clean manager.
    // Which telegraph, in the handshake: the server admits the panel to its room only (docs/protocol.md).
    // WebSocket first, long-polling only where it fails (a proxy that blocks it): a panel then
    // needs no sticky balancer in front of several nodes (docs/scaling.md), and connects sooner.
    const socket: TelegraphSocket = io({
      path: SOCKET_PATH,
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      ...(telegraph && { auth: { telegraph } }),
      forceNew: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    socketRef.current = socket;
    // How each order reached this panel: the latest only, spread at random and paced, since every
    // panel gets an order within milliseconds of the others. No reply asked for: it would be one
    // more write to every panel per order (docs/performance.md).
    const paced = receiptPace<Receipt>(
      (receipt) => socket.connected && socket.emit("receipt", receipt),
      () => panelsRef.current,
    );
    receiptsRef.current = paced;
    let restarting = false;
    const panel = panelId();

    socket.on("connect", () => {
      restarting = false;
      setRefusal(null);
      setPausedSince(null); // a server that is paused says so again, after the snapshot
      setConnection("connected");
      // Whose panel this is, then (again, after a reconnect) how the current order reached it.
      socket.emit("hello", { panel, name: nameRef.current }, () => {
        const latest = paced.latest();
        if (latest) socket.emit("receipt", latest);
      });
    });
    // The snapshot on connect (and when asked for), then each change alone (lib/change.ts).
    followSocket(socket, setSnapshot);
    // Who listens, with the receipts as they were; the receipts alone between.
    socket.on("presence", (now) => {
      panelsRef.current = now.panels;
      setPresence(now);
      setReceipts(now.receipts);
    });
    socket.on("receipts", setReceipts);
    socket.on("you", setYou);
    socket.on("paused", setPausedSince);
    socket.on("bye", () => {
      restarting = true;
      setConnection("restarting");
    });
    // Let go by the server, saying why (just before it disconnects), or refused at the handshake
    // (not a failed transport, which socket.io retries by itself): say why.
    const refused = (reason: string) => {
      setRefusal(reason);
      setConnection("refused");
    };
    socket.on("refused", ({ reason }) => refused(reason));
    socket.on("connect_error", (error) => !socket.active && refused(error.message));
    socket.on("disconnect", (reason) => {
      if (reason === "io client disconnect") return; // we hung up ourselves (unmount)
      if (reason === "io server disconnect") return; // let go: refused() said why, and socket.io does not reconnect
      // A restart closes the connection (not socket.io's session), so socket.io reconnects by itself.
      setConnection(restarting ? "restarting" : "reconnecting");
    });

    // A tab the browser throttled or froze may have lost the server meanwhile: look again once seen.
    // connect() alone does nothing while socket.io waits out its reconnection delay (up to 5 s),
    // so that wait is dropped first.
    const onVisible = () => document.visibilityState === "visible" && !socket.connected && socket.disconnect().connect();
    document.addEventListener("visibilitychange", onVisible);

    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      paced.stop();
      socket.disconnect();
      socketRef.current = null;
    };
  }, [telegraph]);

  useEffect(() => {
    nameRef.current = name;
    const timer = setTimeout(() => {
      const socket = socketRef.current;
      if (socket?.connected) socket.emit("hello", { panel: panelId(), name }, ignore);
    }, NAME_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [name]);

  /** How an order reached this panel: sent shortly, and again on every reconnect. */
  const report = useCallback((receipt: Receipt) => receiptsRef.current?.heard(receipt), []);

  const send = useCallback(async (event: "order" | "answer", position: number, by: string): Promise<Reply> => {
    const socket = socketRef.current;
    // Not buffered for later: an order that arrives minutes after the click would be a surprise.
    if (!socket?.connected) return { ok: false, error: "Not connected to the server; try again when it is back." };
    try {
      return await socket.timeout(REPLY_TIMEOUT_MS).emitWithAck(event, { position, by: by.trim() || undefined });
    } catch {
      return { ok: false, error: `The server did not reply within ${REPLY_TIMEOUT_MS / 1000} s.` };
    }
  }, []);

  const sendOrder = useCallback((position: number, by = "") => send("order", position, by), [send]);
  const sendAnswer = useCallback((position: number, by = "") => send("answer", position, by), [send]);

  return {
    snapshot,
    presence,
    receipts,
    you,
    connection: connection === "connected" && pausedSince ? ("paused" as const) : connection,
    pausedSince,
    refusal,
    sendOrder,
    sendAnswer,
    report,
  };
}
