//! SIGINT and SIGTERM in `cargo alembic`.
//!
//! The first signal calls [`interrupt::interrupt`]: the statement running is cancelled,
//! the migration loop rolls back the step it is in, child processes are killed, and
//! the command returns; [`super::main`] then prints `error: interrupted` and exits
//! with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). Clean-up happens
//! on that normal path (a scratch database is dropped by its guard).
//!
//! Should the command not have returned [`GRACE`] after the signal (something that
//! cannot be cancelled, such as a server that does not answer), or at a second signal,
//! the handler runs the registered forced-exit clean-ups (bounded by [`GRACE`] too) and
//! exits itself. The database stays consistent either way: an open transaction dies
//! with the connection (PostgreSQL) or is rolled back from the journal by the next
//! opener (SQLite).

// Without unix signals only the exit bookkeeping is used.
#![cfg_attr(not(unix), allow(dead_code))]

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

use crate::runtime::interrupt;

/// How long the command has to stop by itself after a signal, and the forced-exit
/// clean-ups have to finish.
const GRACE: Duration = Duration::from_secs(5);

/// The first signal received (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);
/// Set by whoever prints the last words and exits: the main thread or the handler.
static EXITING: AtomicBool = AtomicBool::new(false);

/// Installs the handler (once per process). Without it (not unix, or the handler
/// cannot be set up) the signals keep their default action.
pub(crate) fn install() {
    #[cfg(unix)]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            use signal_hook::consts::{SIGINT, SIGTERM};
            // Registered here, before returning: registered by the thread below, a
            // signal that came before a busy machine scheduled it had the default
            // action (the process died without cleaning up; seen once in CI).
            let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else { return };
            let handle = signals.handle();
            let spawned = std::thread::Builder::new().name("alembic-signals".into()).spawn(move || {
                for signal in signals.forever() {
                    if RECEIVED.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                        let _ = std::thread::Builder::new().name("alembic-grace".into()).spawn(move || {
                            std::thread::sleep(GRACE);
                            force_exit(signal);
                        });
                        interrupt::interrupt();
                    } else {
                        force_exit(RECEIVED.load(Ordering::SeqCst));
                    }
                }
            });
            // Without the thread nobody acts on them (thread creation failing this
            // early is all but impossible): close the iterator.
            if spawned.is_err() {
                handle.close();
            }
        });
    }
}

/// The exit code for the signal received, if one was: 128 + its number.
pub(crate) fn exit_code() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(128 + signal),
    }
}

/// Claims the right to print the last words and exit: true for the first caller.
/// A main thread that loses waits here for the handler to end the process.
pub(crate) fn claim_exit() -> bool {
    !EXITING.swap(true, Ordering::SeqCst)
}

/// Blocks forever: the handler is exiting the process.
pub(crate) fn wait_for_exit() -> ! {
    loop {
        std::thread::park();
    }
}

/// Runs the forced-exit clean-ups (at most [`GRACE`]), says `error: interrupted` and
/// exits; or, if the main thread is exiting already, lets it.
fn force_exit(signal: i32) {
    if !claim_exit() {
        return;
    }
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let cleanup = std::thread::Builder::new().spawn(move || {
        interrupt::run_forced_exit_cleanups();
        let _ = done.send(());
    });
    if cleanup.is_ok() {
        let _ = finished.recv_timeout(GRACE);
    }
    super::output::print_error(&crate::Error::Interrupted, false);
    std::process::exit(128 + signal);
}
