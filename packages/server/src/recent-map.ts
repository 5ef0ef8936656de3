/**
 * Sets `key` as the most recently used entry of `map` (a Map iterates in insertion order, so a use
 * re-inserts), dropping the least recently used entries beyond `capacity`. Memory stays bounded
 * under a flood of new keys, and the keys in constant use are the last to go.
 */
export function setRecent<K, V>(map: Map<K, V>, key: K, value: V, capacity: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size <= capacity) return; // the usual case: no iterator to build
  for (const oldest of map.keys()) {
    if (map.size <= capacity) break;
    map.delete(oldest);
  }
}
