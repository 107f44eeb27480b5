/** Where a plugin came from, for listings and error messages. */
export interface PluginSource {
  /** npm package name, when the plugin came from a package. */
  readonly packageName?: string;
  readonly packageDir?: string;
  /** The module file that was imported. */
  readonly entry?: string;
}

/** A plugin that could not be used, with the reason. The rest of the host keeps working. */
export interface PluginFailure {
  /** Plugin id when known, else the package name or the path that was tried. */
  readonly plugin: string;
  readonly source?: PluginSource;
  /** One-line reason. */
  readonly error: string;
  readonly cause?: unknown;
}
