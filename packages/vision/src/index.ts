// @peftkit/vision: domain plugin (not implemented yet; see the vision issue).
export {};
