//! rdx's integration tests: one binary, a module per command or concern,
//! all running the real rdx binary (`util` runs it and, on a failed
//! expectation, shows the command, its exit code, stdout and stderr).
//!
//! - On recordings (no network): `sessions`, `tail`, `state`, `watch`,
//!   `select` (filters, selectors, labels), `every_action` (every action
//!   once, reloads, waiting), `bad_inputs`, `json_output` (`--json` lines
//!   stay one valid, terminal-safe line on hostile strings).
//! - In real shells and groff: `completions` (completion scripts, the man
//!   page, `make install`, did-you-mean).
//! - Against in-process fake servers (what the real one cannot do):
//!   `reliability`, and parts of `every_action`.
//! - Against the real `@redux-devtools/cli` server from npm: `e2e`,
//!   `e2e_follow`, `e2e_legacy` (the legacy stack), `e2e_reliability`, and
//!   `e2e_browser` (a real web app in Debian's Chromium), `e2e_tls` (wss://
//!   through a real TLS proxy), `mcp` (`rdx mcp` driven by the official MCP
//!   TypeScript SDK's client, also on a recording), `devtools` (`rdx export`
//!   checked by the DevTools' own import code, `--replay` of files from
//!   app-core's real export code).
//! - Against the real Expo CLI dev server (SDK 57) from npm: `e2e_expo` (its
//!   plugin socket, the Expo web build in Chromium, a Node stand-in with the
//!   real `redux-devtools-expo-dev-plugin`, the plugin's web UI).
//! - In a real terminal (tmux): `ui` (`rdx ui` on recordings and live).

mod util;

mod bad_inputs;
mod completions;
mod deps;
mod devtools;
mod e2e;
mod e2e_browser;
mod e2e_expo;
mod e2e_flood;
mod e2e_follow;
mod e2e_legacy;
mod e2e_reliability;
mod e2e_reports;
mod e2e_tls;
mod every_action;
mod expo;
mod json_output;
mod layout;
mod mcp;
mod reliability;
mod select;
mod sessions;
mod state;
mod tail;
mod ui;
mod watch;
