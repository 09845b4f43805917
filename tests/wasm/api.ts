// Test entry: exposes assembly/api/ internals (the handle table) to tests/api/*.test.ts.
import { HandleTable, MAX_HANDLES } from "../../assembly/api/handles";

class Thing {
  constructor(public id: i32) {}
}

const table = new HandleTable<Thing>();

export function maxHandles(): i32 { return MAX_HANDLES; }
export function add(id: i32): u32 { return table.add(new Thing(id)); }
/** The id of the object behind `h`, or -1 when the handle is not live. */
export function get(h: u32): i32 {
  const t = table.get(h);
  return t === null ? -1 : t.id;
}
/** Removes `h`; the id removed, or -1 when nothing was (a stale handle frees nothing). */
export function remove(h: u32): i32 {
  const t = table.remove(h);
  return t === null ? -1 : t.id;
}
export function size(): i32 { return table.size; }
