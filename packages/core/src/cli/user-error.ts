// The class lives with the plugin host, whose errors (unknown ids, invalid configs) are user
// errors too; the CLI keeps this import path.
export { UserError } from '../plugin/user-error.js';
