// @peftkit/nlp: domain plugin (not implemented yet; see the nlp issue).
export {};
