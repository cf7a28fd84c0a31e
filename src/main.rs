//! The rdx binary: parse, build the config, run, and turn the outcome into an
//! exit code. A closed stdout (`rdx tail | head -1`) is a quiet success.

use std::process::ExitCode;

use rdx::cli::{self, Invocation};
use rdx::error::Error;

fn main() -> ExitCode {
    one_heap();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            let hint = if matches!(e, Error::Usage(_)) {
                "\n(see `rdx --help`)"
            } else {
                ""
            };
            // Error texts may quote the wire (close reasons, names): keep
            // them terminal-safe, but keep the newlines of multi-line errors.
            let msg: String = e
                .to_string()
                .split('\n')
                .map(|l| rdx::output::sanitize(l).into_owned())
                .collect::<Vec<_>>()
                .join("\n");
            let hint = if msg.contains("--help") { "" } else { hint };
            eprintln!("rdx: {msg}{hint}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn run() -> Result<(), Error> {
    match cli::parse(std::env::args_os().skip(1))? {
        Invocation::Version => {
            println!("rdx {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Invocation::Help(topic) => {
            let text = rdx::cmd::usage(topic.as_deref())?;
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
        Invocation::Run(parsed) => {
            // A usage error in the command's own arguments comes first.
            rdx::cmd::check(&parsed)?;
            // `completions` and `man` print text and need no config.
            if let Some(done) = rdx::cmd::run_without_config(&parsed) {
                return done;
            }
            let cfg = cli::config(&parsed, &|k| std::env::var(k).ok())?;
            rdx::cmd::run(&parsed, &cfg)
        }
    }
}

/// One malloc arena for the whole process. glibc gives each thread that
/// allocates an arena of its own (up to 8 a core): the frames the socket's
/// thread reads and the main thread's rows and states then fragment two heaps
/// apart, and a UI whose histories churn all day (tabs reloading) grew 10 %
/// after its histories were full, against 5 % with one (BENCHMARKS.md, the
/// soak). rdx has one busy thread and one that reads the socket: they
/// contend for no lock worth a second heap.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_heap() {
    const M_ARENA_MAX: i32 = -8;
    unsafe extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    // SAFETY: mallopt sets one of glibc's allocator parameters and touches
    // no Rust memory; it is called first thing in main, before any thread.
    unsafe {
        mallopt(M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_heap() {}
