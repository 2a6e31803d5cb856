// The panel's line to the server: the latest snapshot, how the connection is, and the two
// things a person can send (an order, an answer), each settled by the server's reply.
import { useCallback, useEffect, useRef, useState } from "react";
import { type Socket, io } from "socket.io-client";
import { type ClientToServer, type Reply, SOCKET_PATH, type ServerToClient, type Snapshot } from "../lib/protocol";

/** "offline" until the first connection; "restarting" after the server said bye. */
export type Connection = "connected" | "reconnecting" | "offline" | "restarting";

type TelegraphSocket = Socket<ServerToClient, ClientToServer>;

const REPLY_TIMEOUT_MS = 5000;

export function useTelegraph() {
  const socketRef = useRef<TelegraphSocket | null>(null);
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [connection, setConnection] = useState<Connection>("offline");

  useEffect(() => {
    // Same origin as the page; forceNew so Strict Mode's second mount gets its own clean manager.
    const socket: TelegraphSocket = io({
      path: SOCKET_PATH,
      forceNew: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    socketRef.current = socket;
    let restarting = false;

    socket.on("connect", () => {
      restarting = false;
      setConnection("connected");
    });
    socket.on("state", setSnapshot);
    socket.on("bye", () => {
      restarting = true;
      setConnection("restarting");
    });
    socket.on("disconnect", (reason) => {
      if (reason === "io client disconnect") return; // we hung up ourselves (unmount)
      setConnection(restarting ? "restarting" : "reconnecting");
      // socket.io does not reconnect by itself after the server hung up on purpose.
      if (reason === "io server disconnect") socket.connect();
    });

    // A tab the browser throttled or froze may have missed the heartbeat: look again once seen.
    const onVisible = () => document.visibilityState === "visible" && !socket.connected && socket.connect();
    document.addEventListener("visibilitychange", onVisible);

    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      socket.disconnect();
      socketRef.current = null;
    };
  }, []);

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

  const order = useCallback((position: number, by = "") => send("order", position, by), [send]);
  const answer = useCallback((position: number, by = "") => send("answer", position, by), [send]);

  return { snapshot, connection, order, answer };
}
