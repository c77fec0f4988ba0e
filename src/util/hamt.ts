// A persistent (immutable) hash array mapped trie, as CPython's contextvars use: set and
// delete copy one path of at most 7 small nodes and share the rest, so copying a Context
// is O(1) (it shares the map) and a ContextVar read or write is O(log32 n).
//
// Keys carry their own hash: a ContextVar's is a unique 32-bit id, so two keys never share
// a full hash and the trie needs no collision nodes (five bits a level, seven levels).

/** @internal A key of the trie: an object with a unique 32-bit hash. */
export interface HamtKey {
  readonly _hash: number;
}

class Entry {
  constructor(readonly key: HamtKey, readonly value: unknown) {}
}

class Node {
  constructor(readonly bitmap: number, readonly slots: readonly (Entry | Node)[]) {}
}

/** What `HamtMap.lookup` returns for an absent key (undefined is a value a var may hold). */
export const ABSENT: unique symbol = Symbol("absent");

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function withSlot(slots: readonly (Entry | Node)[], i: number, item: Entry | Node): (Entry | Node)[] {
  const copy = slots.slice();
  copy[i] = item;
  return copy;
}

/** A node holding two entries whose hashes agree below `shift`. */
function pair(a: Entry, b: Entry, shift: number): Node {
  const ia = (a.key._hash >>> shift) & 31, ib = (b.key._hash >>> shift) & 31;
  if (ia === ib) return new Node(1 << ia, [pair(a, b, shift + 5)]);
  return new Node((1 << ia) | (1 << ib), ia < ib ? [a, b] : [b, a]);
}

/** `node` with `key` set; `added[0]` becomes true when the key was not there. */
function set(node: Node, key: HamtKey, value: unknown, shift: number, added: boolean[]): Node {
  const bit = 1 << ((key._hash >>> shift) & 31);
  const i = popcount(node.bitmap & (bit - 1));
  if ((node.bitmap & bit) === 0) {
    added[0] = true;
    const copy = node.slots.slice();
    copy.splice(i, 0, new Entry(key, value));
    return new Node(node.bitmap | bit, copy);
  }
  const slot = node.slots[i];
  if (slot instanceof Node) {
    const sub = set(slot, key, value, shift + 5, added);
    return sub === slot ? node : new Node(node.bitmap, withSlot(node.slots, i, sub));
  }
  if (slot.key === key) {
    return slot.value === value ? node : new Node(node.bitmap, withSlot(node.slots, i, new Entry(key, value)));
  }
  added[0] = true;
  return new Node(node.bitmap, withSlot(node.slots, i, pair(slot, new Entry(key, value), shift + 5)));
}

/** `node` without `key` (the same node if absent); null once empty. */
function remove(node: Node, key: HamtKey, shift: number): Node | null {
  const bit = 1 << ((key._hash >>> shift) & 31);
  if ((node.bitmap & bit) === 0) return node;
  const i = popcount(node.bitmap & (bit - 1));
  const slot = node.slots[i];
  if (slot instanceof Node) {
    const sub = remove(slot, key, shift + 5);
    if (sub === slot) return node;
    if (sub !== null) {
      // A sub-trie left with one entry folds into this level: the trie stays as shallow as
      // its keys need, so reads after many sets and resets stay short.
      const only = sub.slots.length === 1 && sub.slots[0] instanceof Entry ? sub.slots[0] : sub;
      return new Node(node.bitmap, withSlot(node.slots, i, only));
    }
  } else if (slot.key !== key) {
    return node;
  }
  if (node.slots.length === 1) return null;
  const copy = node.slots.slice();
  copy.splice(i, 1);
  return new Node(node.bitmap & ~bit, copy);
}

function* walk(node: Node): Generator<Entry> {
  for (const slot of node.slots) {
    if (slot instanceof Node) yield* walk(slot);
    else yield slot;
  }
}

/** @internal An immutable map from HamtKeys to values; every change returns a new map. */
export class HamtMap {
  static readonly EMPTY = new HamtMap(null, 0);

  private constructor(readonly root: Node | null, readonly size: number) {}

  /** The value of `key`, or ABSENT. */
  lookup(key: HamtKey): unknown {
    let node = this.root;
    const hash = key._hash;
    for (let shift = 0; node !== null; shift += 5) {
      const bit = 1 << ((hash >>> shift) & 31);
      if ((node.bitmap & bit) === 0) return ABSENT;
      const slot: Entry | Node = node.slots[popcount(node.bitmap & (bit - 1))];
      if (slot instanceof Node) node = slot;
      else return slot.key === key ? slot.value : ABSENT;
    }
    return ABSENT;
  }

  /** The map with `key` set to `value`. */
  set(key: HamtKey, value: unknown): HamtMap {
    if (this.root === null) return new HamtMap(new Node(1 << (key._hash & 31), [new Entry(key, value)]), 1);
    const added = [false];
    const root = set(this.root, key, value, 0, added);
    return root === this.root ? this : new HamtMap(root, added[0] ? this.size + 1 : this.size);
  }

  /** The map without `key`. */
  delete(key: HamtKey): HamtMap {
    if (this.root === null) return this;
    const root = remove(this.root, key, 0);
    if (root === this.root) return this;
    return root === null ? HamtMap.EMPTY : new HamtMap(root, this.size - 1);
  }

  /** The entries, in trie order (CPython's contexts iterate in their HAMT's order too). */
  *entries(): Generator<[HamtKey, unknown]> {
    if (this.root !== null) for (const e of walk(this.root)) yield [e.key, e.value];
  }
}
