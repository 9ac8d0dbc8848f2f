// placeholder, replaced below
export function unknownFields(_resourceKey: string, _obj: Record<string, unknown>): string[] {
  return [];
}
export function pruneUnknown(_resourceKey: string, _obj: Record<string, unknown>): void {}
