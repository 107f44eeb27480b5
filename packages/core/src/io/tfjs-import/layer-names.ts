/**
 * Module member names must match `[A-Za-z0-9_]+` (dots separate path segments), but tfjs layer
 * names may contain '/', '.', '-' and more (`block1/conv`, `dense.1`). Every other character
 * becomes '_', and clashes after that (`a/b` vs `a_b`) get a numeric suffix, so each layer gets a
 * distinct, stable module name in model order.
 */
export class LayerNameAllocator {
  private readonly used = new Set<string>();
  private readonly byLayer = new Map<string, string>();

  /** The module name for a tfjs layer name; the same layer always gets the same name. */
  nameFor(layerName: string): string {
    const known = this.byLayer.get(layerName);
    if (known !== undefined) return known;
    const base = sanitizeLayerName(layerName);
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    this.byLayer.set(layerName, name);
    return name;
  }

  /** tfjs layer name -> module name, for every name handed out. */
  mapping(): Map<string, string> {
    return new Map(this.byLayer);
  }
}

/** Replaces every character outside `[A-Za-z0-9_]` with '_'. */
export function sanitizeLayerName(layerName: string): string {
  const s = layerName.replace(/[^A-Za-z0-9_]/g, '_');
  return s === '' ? '_' : s;
}
