/**
 * Common Voice stores several self-described accents in one field separated by commas, and the
 * accents themselves may contain commas ("Southern African (South Africa, Zimbabwe, Namibia)"),
 * so the field cannot be split reliably. A wanted accent matches a field when it equals the whole
 * field, or appears in it as a whole run of comma-separated parts (case and spacing ignored):
 * "United States English" matches "United States English, Midwestern United States English".
 */
export function accentMatches(field: string, wanted: string): boolean {
  const norm = (s: string) =>
    s
      .split(',')
      .map((p) => p.trim().toLowerCase().replace(/\s+/g, ' '))
      .filter(Boolean)
      .join(',');
  const f = norm(field);
  const w = norm(wanted);
  if (!w) return false;
  return f === w || `,${f},`.includes(`,${w},`);
}

/**
 * The group an accent field falls in: the first group with a matching member (groups keep their
 * declaration order), or undefined.
 */
export function accentGroupOf(
  field: string,
  groups: ReadonlyArray<readonly [string, readonly string[]]>,
): string | undefined {
  for (const [name, members] of groups) if (members.some((m) => accentMatches(field, m))) return name;
  return undefined;
}
