// Orders that insist: while an order whose position repeats (BATTLE STATIONS) is unanswered,
// the bell rings again every so many seconds; an answer, or a new order, stops it.
import { useEffect, useEffectEvent } from "react";
import { positionOf } from "../lib/face";
import type { Order, Snapshot } from "../lib/protocol";

export function useRepeat(snapshot: Snapshot | null, ring: (order: Order) => unknown): void {
  const order = snapshot?.order;
  const repeat = order && !snapshot.acknowledged ? positionOf(snapshot.face, order.position)?.repeat : undefined;
  // The latest `ring` and order (they may change every render) without restarting the interval.
  const ringAgain = useEffectEvent(() => order && ring(order));
  const seq = order?.seq;
  useEffect(() => {
    if (!repeat) return;
    const timer = setInterval(() => ringAgain(), repeat * 1000);
    return () => clearInterval(timer);
  }, [repeat, seq]);
}
