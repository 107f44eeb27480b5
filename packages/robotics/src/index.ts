// @peftkit/robotics: domain plugin (not implemented yet; see the robotics issue).
export {};
