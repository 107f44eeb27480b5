// `pnpm demo`: runs the end-to-end demo. No domain plugin ships a demo yet (see the domain issues).
console.log('peftkit: no demo yet. Run `pnpm peftkit doctor` to check the runtime.');
