// @peftkit/speech: domain plugin (not implemented yet; see the speech issue).
export {};
